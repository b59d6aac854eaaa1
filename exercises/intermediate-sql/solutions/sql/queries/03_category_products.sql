-- For every category: how many products sit in it or anywhere below it.
WITH RECURSIVE below AS (
    -- (top, id): category id lies in the subtree of category top (itself included)
    SELECT id AS top, id
    FROM categories
  UNION ALL
    SELECT b.top, c.id
    FROM below b
    JOIN categories c ON c.parent_id = b.id
)
SELECT b.top AS category_id, count(p.id) AS products
FROM below b
LEFT JOIN products p ON p.category_id = b.id
GROUP BY b.top
ORDER BY b.top;

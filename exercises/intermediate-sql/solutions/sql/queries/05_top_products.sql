-- The three best-selling products of each category, ties kept (RANK, as in a league table).
WITH sold AS (
    SELECT p.category_id, p.id AS product_id, sum(i.quantity) AS units_sold
    FROM order_items i
    JOIN orders o ON o.id = i.order_id
    JOIN products p ON p.id = i.product_id
    WHERE o.status <> 'cancelled'
    GROUP BY p.category_id, p.id
),
ranked AS (
    SELECT category_id, product_id, units_sold,
           rank() OVER (PARTITION BY category_id ORDER BY units_sold DESC) AS rank
    FROM sold
)
SELECT category_id, product_id, units_sold, rank
FROM ranked
WHERE rank <= 3
ORDER BY category_id, rank, product_id;

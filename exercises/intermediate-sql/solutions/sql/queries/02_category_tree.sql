-- Every category with its depth (a root is 0) and its path from the root.
WITH RECURSIVE tree AS (
    SELECT id, name, 0 AS depth, name AS path
    FROM categories
    WHERE parent_id IS NULL
  UNION ALL
    SELECT c.id, c.name, t.depth + 1, t.path || ' > ' || c.name
    FROM categories c
    JOIN tree t ON c.parent_id = t.id
)
SELECT id, name, depth, path
FROM tree
ORDER BY path;

-- A customer's order history, oldest first.
--
-- Slow: make it fast with indexes.sql, or rewrite it here if no index can help it as it
-- is written. It must return exactly the same rows, in the same order, for every value of
-- its parameters; keep the :placeholders, the grader fills them in.
SELECT id, status, total_cents, placed_at
FROM orders
WHERE customer_id = :customer_id
ORDER BY id;

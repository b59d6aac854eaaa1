-- The warehouse works through the oldest pending orders, 50 at a time.
--
-- Slow: make it fast with indexes.sql, or rewrite it here if no index can help it as it
-- is written. It must return exactly the same rows, in the same order, for every value of
-- its parameters; keep the :placeholders, the grader fills them in.
SELECT id, customer_id, total_cents, placed_at
FROM orders
WHERE status = 'pending'
ORDER BY placed_at, id
LIMIT 50;

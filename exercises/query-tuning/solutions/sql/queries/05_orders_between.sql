-- The nightly export: every order of one day, in time order.
--
-- Slow: make it fast with indexes.sql, or rewrite it here if no index can help it as it
-- is written. It must return exactly the same rows, in the same order, for every value of
-- its parameters; keep the :placeholders, the grader fills them in.
SELECT id, customer_id, store_id, total_cents, placed_at
FROM orders
WHERE placed_at >= :from_time
  AND placed_at < :to_time
ORDER BY placed_at, id;

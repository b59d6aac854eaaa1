-- "Your latest orders" on the account page: the newest 10 since a date. Business
-- customers have about 5,000 orders.
--
-- Slow: make it fast with indexes.sql, or rewrite it here if no index can help it as it
-- is written. It must return exactly the same rows, in the same order, for every value of
-- its parameters; keep the :placeholders, the grader fills them in.
SELECT id, status, total_cents, placed_at
FROM orders
WHERE customer_id = :customer_id
  AND placed_at >= :since
ORDER BY placed_at DESC, id DESC
LIMIT 10;

-- A store's number of orders and revenue over a period (about six months).
--
-- Slow: make it fast with indexes.sql, or rewrite it here if no index can help it as it
-- is written. It must return exactly the same rows, in the same order, for every value of
-- its parameters; keep the :placeholders, the grader fills them in.
SELECT count(*) AS orders, coalesce(sum(total_cents), 0) AS revenue_cents
FROM orders
WHERE store_id = :store_id
  AND placed_at >= :from_time
  AND placed_at < :to_time;

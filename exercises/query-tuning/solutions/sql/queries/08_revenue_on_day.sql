-- A day's orders and revenue; the day is taken in the session's time zone, as
-- PostgreSQL's ::date gives it.
--
-- Rewritten: placed_at::date computes a value for every row, which no index on placed_at
-- can answer. The same day as a half-open range of the column itself is sargable: the
-- date casts to its midnight in the session's time zone, as placed_at::date does. Not
-- BETWEEN, which would count orders placed exactly at the next midnight.
SELECT count(*) AS orders, coalesce(sum(total_cents), 0) AS revenue_cents
FROM orders
WHERE placed_at >= :day::date
  AND placed_at < :day::date + 1;

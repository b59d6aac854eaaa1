-- Each customer's orders (cancelled ones left out) with the running total of what they spent.
SELECT customer_id,
       id AS order_id,
       placed_at,
       total_cents,
       sum(total_cents) OVER (
           PARTITION BY customer_id
           ORDER BY placed_at, id
           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
       ) AS running_total_cents
FROM orders
WHERE status <> 'cancelled'
ORDER BY customer_id, placed_at, id;

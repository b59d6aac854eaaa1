-- One row per customer: kept (not cancelled) orders, units bought, money spent and a tier.
WITH kept_orders AS (
    SELECT id, customer_id, total_cents
    FROM orders
    WHERE status <> 'cancelled'
),
order_totals AS (
    SELECT customer_id, count(*) AS orders, sum(total_cents) AS spent_cents
    FROM kept_orders
    GROUP BY customer_id
),
item_totals AS (
    SELECT k.customer_id, sum(i.quantity) AS items
    FROM kept_orders k
    JOIN order_items i ON i.order_id = k.id
    GROUP BY k.customer_id
),
per_customer AS (
    SELECT c.id AS customer_id,
           c.name,
           coalesce(o.orders, 0) AS orders,
           coalesce(it.items, 0) AS items,
           coalesce(o.spent_cents, 0) AS spent_cents
    FROM customers c
    LEFT JOIN order_totals o ON o.customer_id = c.id
    LEFT JOIN item_totals it ON it.customer_id = c.id
),
average AS (
    SELECT avg(spent_cents) AS spent_cents
    FROM per_customer
    WHERE orders > 0
)
SELECT p.customer_id,
       p.name,
       p.orders,
       p.items,
       p.spent_cents,
       CASE
           WHEN p.orders = 0 THEN 'none'
           WHEN p.spent_cents >= 2 * a.spent_cents THEN 'gold'
           WHEN p.spent_cents >= a.spent_cents THEN 'silver'
           ELSE 'bronze'
       END AS tier
FROM per_customer p
CROSS JOIN average a
ORDER BY p.spent_cents DESC, p.customer_id;

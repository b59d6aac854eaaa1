-- Revenue per calendar month (UTC) and the change from the month before.
WITH monthly AS (
    SELECT date_trunc('month', placed_at AT TIME ZONE 'UTC') AS month,
           count(*) AS orders,
           sum(total_cents) AS revenue_cents
    FROM orders
    WHERE status <> 'cancelled'
    GROUP BY 1
),
with_previous AS (
    SELECT month, orders, revenue_cents,
           lag(revenue_cents) OVER (ORDER BY month) AS previous_revenue_cents
    FROM monthly
)
SELECT to_char(month, 'YYYY-MM') AS month,
       orders,
       revenue_cents,
       previous_revenue_cents,
       revenue_cents - previous_revenue_cents AS change_cents
FROM with_previous
ORDER BY 1;

-- Revenue per country and month, from paid and shipped orders, at the price each item was
-- sold for. Dates are 'YYYY-MM-DD' text, so substr(placed_on, 1, 7) is the month on both
-- SQLite and PostgreSQL. Customers without a country are reported as 'unknown'.
SELECT COALESCE(c.country, 'unknown') AS country,
       substr(o.placed_on, 1, 7) AS month,
       COUNT(DISTINCT o.id) AS orders,
       SUM(oi.quantity * oi.unit_price_cents) AS revenue_cents
FROM orders o
JOIN customers c ON c.id = o.customer_id
JOIN order_items oi ON oi.order_id = o.id
WHERE o.status IN ('paid', 'shipped')
GROUP BY COALESCE(c.country, 'unknown'), substr(o.placed_on, 1, 7)
ORDER BY month, revenue_cents DESC, country;

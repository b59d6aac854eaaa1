-- A report every product appears in, computed from the orders whenever it is read.
CREATE OR REPLACE VIEW product_sales AS
WITH sold AS (
    SELECT i.product_id,
           sum(i.quantity) AS units_sold,
           sum(i.quantity * i.unit_price_cents) AS revenue_cents
    FROM order_items i
    JOIN orders o ON o.id = i.order_id
    WHERE o.status <> 'cancelled'
    GROUP BY i.product_id
)
SELECT p.id AS product_id,
       p.sku,
       coalesce(s.units_sold, 0) AS units_sold,
       coalesce(s.revenue_cents, 0) AS revenue_cents
FROM products p
LEFT JOIN sold s ON s.product_id = p.id;

-- Products per colour; those without one (no key, or null) share the row whose colour is NULL.
SELECT attrs ->> 'color' AS color, count(*) AS products
FROM products
GROUP BY attrs ->> 'color'
ORDER BY products DESC, color NULLS LAST;

-- Customers whose country is unknown, by name (ties: lowest id first).
-- "country = NULL" is never true: NULL is tested with IS NULL.
SELECT id, name, email
FROM customers
WHERE country IS NULL
ORDER BY name, id;

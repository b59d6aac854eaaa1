-- Every customer with how many orders they placed (0 for none), most orders first
-- (ties: lowest id first). LEFT JOIN keeps customers without orders; COUNT(o.id) counts
-- only real orders (COUNT(*) would count the NULL row of a customer without orders as 1).
SELECT c.id, c.name, COUNT(o.id) AS order_count
FROM customers c
LEFT JOIN orders o ON o.customer_id = c.id
GROUP BY c.id, c.name
ORDER BY order_count DESC, c.id;

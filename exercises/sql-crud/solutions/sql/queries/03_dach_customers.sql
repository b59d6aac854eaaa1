-- Customers in Germany, Austria or Switzerland with an @example.com address, by id.
-- AND binds tighter than OR: IN (or parentheses) keeps the e-mail test on all three.
SELECT id, name, email, country
FROM customers
WHERE country IN ('DE', 'AT', 'CH')
  AND email LIKE '%@example.com'
ORDER BY id;

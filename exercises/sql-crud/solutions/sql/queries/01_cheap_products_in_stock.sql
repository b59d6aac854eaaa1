-- Products in stock that cost at most 50.00, cheapest first (ties: lowest id first).
SELECT id, name, price_cents
FROM products
WHERE stock > 0
  AND price_cents <= 5000
ORDER BY price_cents, id;

-- Update: a delivery of :quantity units of product :id arrived; add them to its stock.
UPDATE products
SET stock = stock + :quantity
WHERE id = :id;

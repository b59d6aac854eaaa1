-- Add :qty units of :sku to the stock, creating the row for a SKU not stocked yet.
-- One statement: the unique key on sku decides between insert and update, atomically.
INSERT INTO stock (sku, quantity, updated_at)
VALUES (:sku, :qty, now())
ON CONFLICT (sku) DO UPDATE
SET quantity = stock.quantity + EXCLUDED.quantity,
    updated_at = EXCLUDED.updated_at;

-- Update: cancel order :id, but only while it is still 'new' (a paid, shipped or already
-- cancelled order is left alone: the statement then changes 0 rows).
UPDATE orders
SET status = 'cancelled'
WHERE id = :id
  AND status = 'new';

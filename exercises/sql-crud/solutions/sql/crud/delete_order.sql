-- Delete: order :id. Its order_items go with it (ON DELETE CASCADE in the schema).
DELETE FROM orders
WHERE id = :id;

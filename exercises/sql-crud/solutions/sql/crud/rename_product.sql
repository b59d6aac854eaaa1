-- Update: give one product a new name. Parameters: :id, :name.
UPDATE products
SET name = :name
WHERE id = :id;

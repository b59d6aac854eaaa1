-- Create: a new customer. Parameters: :name, :email, :country (NULL when unknown).
-- The database numbers the id.
INSERT INTO customers (name, email, country)
VALUES (:name, :email, :country);

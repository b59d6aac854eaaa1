-- One page of the catalogue, by name (ties: lowest id first).
-- Parameters: :page (1 for the first page) and :per_page.
SELECT id, name, price_cents
FROM products
ORDER BY name, id
LIMIT :per_page OFFSET (:page - 1) * :per_page;

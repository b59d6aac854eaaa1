-- Black wireless products: JSONB containment, which a GIN index on attrs can answer.
SELECT id, sku
FROM products
WHERE attrs @> '{"color": "black", "wireless": true}'
ORDER BY id;

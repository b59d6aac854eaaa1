-- Products of 1 kg or more. ->> gives text: cast before comparing or sorting numbers.
SELECT id, sku, (attrs ->> 'weight_g')::integer AS weight_g
FROM products
WHERE (attrs ->> 'weight_g')::integer >= 1000
ORDER BY weight_g DESC, id;

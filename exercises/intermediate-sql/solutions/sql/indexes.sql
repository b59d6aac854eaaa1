-- A GIN index serves containment (@>) on the whole attrs document.
CREATE INDEX IF NOT EXISTS products_attrs_gin ON products USING gin (attrs);

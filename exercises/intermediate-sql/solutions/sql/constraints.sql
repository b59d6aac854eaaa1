-- At most one active cart per customer: a partial unique index (a CHECK sees one row only).
CREATE UNIQUE INDEX one_active_cart_per_customer ON carts (customer_id) WHERE status = 'active';

-- Between 1 and 99 of one product in a cart.
ALTER TABLE cart_items
    ADD CONSTRAINT cart_items_quantity_range CHECK (quantity BETWEEN 1 AND 99);

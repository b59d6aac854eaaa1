"""Your shop: accounts, catalog, carts, orders, payments (one stage at a time)."""

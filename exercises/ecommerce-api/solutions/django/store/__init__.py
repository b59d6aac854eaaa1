"""The shop: accounts, catalog, carts, orders, payments."""

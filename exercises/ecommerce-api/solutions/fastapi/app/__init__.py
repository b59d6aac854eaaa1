"""The Shop API: a FastAPI reference solution on PostgreSQL."""

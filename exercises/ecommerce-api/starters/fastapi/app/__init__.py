"""The Shop API."""

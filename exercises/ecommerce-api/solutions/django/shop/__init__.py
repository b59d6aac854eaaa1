"""The Shop API project: settings, URLs and the WSGI entry point."""

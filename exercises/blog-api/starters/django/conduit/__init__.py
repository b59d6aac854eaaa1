"""The Conduit project: settings, URLs and the WSGI entry point."""

"""Conduit (RealWorld API v2): your Blog API."""

"""Stage covering: sums answered from the index alone (Index Only Scan, no heap fetches)."""

import pytest


@pytest.mark.stage("covering")
def test_store_revenue(tuning, project):
    """06_store_revenue.sql: an Index Only Scan that reads only the store's entries"""
    tuning.check(project, "06", index_only=True)


@pytest.mark.stage("covering")
def test_customer_totals(tuning, project):
    """07_customer_totals.sql: an Index Only Scan, also for a customer with thousands of orders"""
    tuning.check(project, "07", index_only=True)

"""Stage equality-lookups: one order by its reference, one customer's orders."""

import pytest


@pytest.mark.stage("equality-lookups")
def test_order_by_reference(tuning, project):
    """01_order_by_reference.sql: the same rows, through an index of yours, 5x as fast"""
    tuning.check(project, "01")


@pytest.mark.stage("equality-lookups")
def test_customer_orders(tuning, project):
    """02_customer_orders.sql: the same rows, through an index of yours, 5x as fast"""
    tuning.check(project, "02")

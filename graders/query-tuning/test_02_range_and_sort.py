"""Stage range-and-sort: a customer's latest orders, the pending queue, a day's export."""

import pytest


@pytest.mark.stage("range-and-sort")
def test_customer_recent_orders(tuning, project):
    """03_customer_recent_orders.sql: newest first with no Sort step, even for a big customer"""
    tuning.check(project, "03")


@pytest.mark.stage("range-and-sort")
def test_pending_queue(tuning, project):
    """04_pending_queue.sql: the 50 oldest pending orders straight from an index, no Sort"""
    tuning.check(project, "04")


@pytest.mark.stage("range-and-sort")
def test_orders_between(tuning, project):
    """05_orders_between.sql: a day of orders in time order, no sort on disk at work_mem 64kB"""
    tuning.check(project, "05")

"""Stage rewrites: queries no plain index can serve as written."""

import pytest
from conftest import need_trgm


@pytest.mark.stage("rewrites")
def test_revenue_on_day(tuning, project):
    """08_revenue_on_day.sql: a sargable range instead of a cast of the column, same totals"""
    tuning.check(project, "08")


@pytest.mark.stage("rewrites")
def test_customer_by_email(tuning, project):
    """09_customer_by_email.sql: case-insensitive lookup through an expression index"""
    tuning.check(project, "09")


@pytest.mark.stage("rewrites")
def test_support_search(tuning, project):
    """10_support_search.sql: OR across a join rewritten so each side uses its index, same rows"""
    tuning.check(project, "10")


@pytest.mark.stage("rewrites")
def test_email_search(tuning, project):
    """11_email_search.sql: ILIKE '%text%' through a trigram (pg_trgm) GIN index"""
    need_trgm(tuning)
    tuning.check(project, "11")

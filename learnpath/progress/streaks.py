"""Streaks and activity: pure functions over the days on which something was recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def streak(days_newest_first: Iterable[str], today: dt.date) -> int:
    """Consecutive days with at least one event, ending today (or yesterday: the day isn't over).

    ``days_newest_first``: distinct ISO days up to today, newest first; it is read only up to
    the first gap, so a usual streak costs a few rows.
    """
    expected = today
    count = 0
    for day in days_newest_first:
        d = dt.date.fromisoformat(day)
        if count == 0 and d == today - dt.timedelta(days=1):
            expected = d  # nothing yet today: the streak still stands
        if d != expected:
            break
        count += 1
        expected = d - dt.timedelta(days=1)
    return count


def activity_window(weeks: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first Monday and the last day of the ``weeks`` calendar weeks ending with today's."""
    monday = today - dt.timedelta(days=today.weekday())
    return monday - dt.timedelta(weeks=weeks - 1), today


def activity(per_day: Iterable[tuple[str, int]], weeks: int, today: dt.date) -> list[dict]:
    """Events per calendar week (Monday first) for the last ``weeks`` weeks, oldest first."""
    first, _ = activity_window(weeks, today)
    buckets = {first + dt.timedelta(weeks=i): 0 for i in range(weeks)}
    for day, n in per_day:
        d = dt.date.fromisoformat(day)
        start = d - dt.timedelta(days=d.weekday())
        if start in buckets:
            buckets[start] += n
    return [{"week_of": k.isoformat(), "events": v} for k, v in buckets.items()]

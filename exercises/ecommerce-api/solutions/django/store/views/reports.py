"""Extension: daily sales, computed by the database."""

import datetime as dt

from django.db import connection
from django.http import JsonResponse

from ..errors import ApiError
from ..http import admin_only, route
from ..services.lifecycle import PAID_OR_LATER

# One row per UTC day of the orders' creation; revenue is what was kept after refunds.
SALES_SQL = """
SELECT (created_at AT TIME ZONE 'UTC')::date AS day,
       COUNT(*) AS orders,
       SUM(total - refunded_amount) AS revenue
FROM store_order
WHERE status = ANY(%s)
  AND created_at >= %s AND created_at < %s
GROUP BY day
ORDER BY day
"""


def _date(raw: str | None, field: str) -> dt.date:
    try:
        if raw is None or len(raw) != 10:
            raise ValueError
        day = dt.date.fromisoformat(raw)
        if day.year > 9998:  # the day after must still be a date
            raise ValueError
        return day
    except ValueError:
        raise ApiError(422, field, "must be a date like 2026-11-29") from None


@admin_only
def _sales(request, user):
    start = _date(request.GET.get("from"), "from")
    end = _date(request.GET.get("to"), "to")
    if end < start:
        raise ApiError(422, "to", "must not be before from")
    # Half-open range of instants: [from 00:00 UTC, the day after to 00:00 UTC).
    since = dt.datetime.combine(start, dt.time(), dt.UTC)
    until = dt.datetime.combine(end, dt.time(), dt.UTC) + dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(SALES_SQL, [PAID_OR_LATER, since, until])
        rows = cursor.fetchall()
    days = [
        {"date": day.isoformat(), "orders": orders, "revenue": int(revenue)}
        for day, orders, revenue in rows
    ]
    return JsonResponse({"days": days})


sales = route(GET=_sales)

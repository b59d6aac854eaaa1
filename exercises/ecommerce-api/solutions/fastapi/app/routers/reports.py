"""GET /api/admin/reports/sales: paid orders and revenue per UTC day, computed in SQL."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from .. import orders
from ..dependencies import AdminUser, Conn
from ..errors import ApiError
from ..schemas import SalesReport
from .responses import errors

router = APIRouter(tags=["reports"])

Day = Annotated[date, Query(description="YYYY-MM-DD (UTC)")]


@router.get("/admin/reports/sales", response_model=SalesReport, responses=errors(401, 403, 422))
async def sales(
    conn: Conn, admin: AdminUser, from_: Annotated[Day, Query(alias="from")], to: Day
) -> dict:
    if to < from_:
        raise ApiError(422, {"to": ["must not be before from"]})
    if to >= date.max - timedelta(days=1):
        raise ApiError(422, {"to": ["is out of range"]})
    # Half-open range over timestamps, so the index on created_at can serve it.
    cur = await conn.execute(
        "SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS orders,"
        " sum(total - refunded_amount)::bigint AS revenue"
        " FROM orders"
        " WHERE status = ANY(%s)"
        "   AND created_at >= (%s::date)::timestamp AT TIME ZONE 'UTC'"
        "   AND created_at < (%s::date + 1)::timestamp AT TIME ZONE 'UTC'"
        " GROUP BY day ORDER BY day",
        (list(orders.PAID_STATUSES), from_, to),
    )
    days = [
        {"date": row["day"].isoformat(), "orders": row["orders"], "revenue": row["revenue"]}
        for row in await cur.fetchall()
    ]
    return {"days": days}

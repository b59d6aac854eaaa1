"""GET /api/health: up once the schema exists (migrations run before the server listens)."""

from fastapi import APIRouter

from ..dependencies import Conn
from ..schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
async def health(conn: Conn) -> dict:
    # A real query: "ok" means the database answers and the schema is in place.
    await conn.execute("SELECT 1 FROM schema_migrations LIMIT 1")
    return {"status": "ok"}

"""The notes API.

Run it: export PORT=8000; python -m uvicorn app.main:app --host 127.0.0.1 --port $PORT
"""

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from . import db


@asynccontextmanager
async def lifespan(app: FastAPI):
    db.init_schema()
    yield


app = FastAPI(title="Notes", lifespan=lifespan)


# Read one note. It works already; stage problems turns its 404 into an RFC 9457 problem.
@app.get("/notes/{note_id}")
def read_note(note_id: int):
    with db.connect() as conn:
        row = conn.execute("SELECT * FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        return JSONResponse({"detail": f"note {note_id} does not exist"}, status_code=404)
    return db.to_note(row)


# Stage create-read: replace this placeholder with the real thing (201, Location, the note).
@app.post("/notes")
def create_note():
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Not Implemented",
            "status": 501,
            "detail": "POST /notes is not implemented yet: stage create-read, see STAGES.md "
            "or `learnpath stage`",
        },
        status_code=501,
        media_type="application/problem+json",
    )

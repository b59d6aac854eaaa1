"""Stage create-read: POST /notes answers 201 with a Location; GET /notes/{id} reads it back."""

import sqlite3

import pytest
from conftest import UNKNOWN_ID, check_note, editable, location_path, media_type

from learnpath.grading.checks import expect, expect_equal, expect_json, expect_status


@pytest.mark.stage("create-read")
def test_create_answers_201_with_the_note(api, notes):
    """POST /notes answers 201 with the note: an integer id, the fields sent, timestamps."""
    sent = {
        "title": notes.title("Buy milk"),
        "body": "2 litres, oat",
        "tags": ["shopping", "home"],
        "priority": 2,
    }
    resp = api.post("/notes", json=sent)
    expect_status(resp, 201)
    expect(
        media_type(resp) == "application/json",
        f"expected Content-Type application/json for the 201 of POST /notes, got "
        f"{resp.headers.get('content-type')!r}",
    )
    note = check_note(expect_json(resp), "the answer of POST /notes")
    expect_equal(editable(note), editable(sent), "the note's fields (as sent)")


@pytest.mark.stage("create-read")
def test_optional_fields_get_their_defaults(api, notes):
    """A note with only a title comes back with body null, tags [] and priority 3."""
    resp = api.post("/notes", json={"title": notes.title("Only a title")})
    expect_status(resp, 201)
    note = check_note(expect_json(resp), "the answer of POST /notes")
    expect_equal(
        {k: note[k] for k in ("body", "tags", "priority")},
        {"body": None, "tags": [], "priority": 3},
        "body, tags and priority of a note sent with only a title (the defaults)",
    )


@pytest.mark.stage("create-read")
def test_location_names_the_new_note(api, notes):
    """Location names /notes/{id}, and a GET there answers 200 with the same note."""
    resp = api.post("/notes", json={"title": notes.title("Located"), "tags": ["x"]})
    expect_status(resp, 201)
    note = check_note(expect_json(resp), "the answer of POST /notes")
    path = location_path(resp)
    expect(
        path is not None,
        "expected a Location header on the 201 of POST /notes naming the new note "
        f"(/notes/{note['id']}), got none",
    )
    expect_equal(path, f"/notes/{note['id']}", "the path of the Location header")
    got = api.get(path)
    expect_status(got, 200)
    read = check_note(expect_json(got), f"the answer of GET {path}")
    expect_equal(
        {**read, "tags": sorted(read["tags"])},
        {**note, "tags": sorted(note["tags"])},
        f"GET {path} (the note POST /notes answered)",
    )


@pytest.mark.stage("create-read")
def test_each_id_reads_its_own_note(api, notes):
    """Two notes get two ids, and each id reads back its own note."""
    first = notes.create(title=notes.title("First"), priority=1)
    second = notes.create(title=notes.title("Second"), priority=5)
    expect(
        first["id"] != second["id"],
        f"expected two notes to get two ids, both got {first['id']}",
    )
    for note in (first, second):
        resp = api.get(f"/notes/{note['id']}")
        expect_status(resp, 200)
        read = expect_json(resp)
        expect_equal(
            (read.get("id"), read.get("title"), read.get("priority")),
            (note["id"], note["title"], note["priority"]),
            f"id, title and priority of GET /notes/{note['id']}",
        )


@pytest.mark.stage("create-read")
def test_unknown_id_is_404(api):
    """GET /notes/{id} of an id that names no note answers 404."""
    expect_status(api.get(f"/notes/{UNKNOWN_ID}"), 404)


@pytest.mark.stage("create-read")
def test_notes_are_stored_in_sqlite(notes, server):
    """The note is in the SQLite file at $DATABASE_PATH."""
    server.require_started("the grader reads the database file learnpath gives your server")
    title = notes.title("Stored")
    notes.create(title=title)
    path = server.database_path
    expect(
        path is not None and path.is_file(),
        f"expected your server to keep its notes in the SQLite file $DATABASE_PATH ({path}), "
        "found no file there",
    )
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        found = False
        for table in tables:
            quoted = '"' + table.replace('"', '""') + '"'
            for row in conn.execute(f"SELECT * FROM {quoted}"):
                if any(isinstance(v, str) and title in v for v in row):
                    found = True
                    break
            if found:
                break
    except sqlite3.DatabaseError as exc:
        expect(False, f"expected $DATABASE_PATH ({path}) to be a SQLite database: {exc}")
    finally:
        conn.close()
    expect(
        found,
        f"expected the note titled {title!r} in a table of the SQLite file $DATABASE_PATH "
        f"({path}); tables there: {', '.join(tables) or 'none'}. Keep notes in the database, "
        "not in a list or dict in memory",
    )

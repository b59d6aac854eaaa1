"""Stage problems: every error is an RFC 9457 problem; 422s point at every bad field."""

import pytest
from conftest import UNKNOWN_ID

from learnpath.grading.checks import expect_json, expect_status


@pytest.mark.stage("problems")
def test_unknown_note_and_path_are_404_problems(api, notes, uid):
    """GET of a note that does not exist, or of an unknown path, answers a 404 problem."""
    notes.check_problem(api.get(f"/notes/{UNKNOWN_ID}"), 404)
    notes.check_problem(api.get(f"/no-such-path-{uid}"), 404)


# (body, the fields the 422 must point at, what it is)
INVALID = [
    ({"body": "no title"}, {"title"}, "a missing title"),
    ({"title": "   "}, {"title"}, "a title of only spaces"),
    ({"title": 5}, {"title"}, "a numeric title"),
    ({"title": "x" * 201}, {"title"}, "a 201-character title"),
    ({"title": "T", "tags": "home"}, {"tags"}, "tags as a string"),
    ({"title": "T", "tags": ["ok", 7]}, {"tags"}, "tags holding a number"),
    ({"title": "T", "priority": 9}, {"priority"}, "priority 9"),
    ({"title": "T", "priority": "3"}, {"priority"}, 'priority "3" (a string)'),
    ({"title": "T", "priority": True}, {"priority"}, "priority true"),
    ({"title": "T", "body": 42}, {"body"}, "a numeric body"),
    (
        {"title": 5, "tags": "x", "priority": 0},
        {"title", "tags", "priority"},
        "three bad fields at once",
    ),
]


@pytest.mark.stage("problems")
def test_invalid_notes_are_422_problems_naming_the_fields(api, notes):
    """Invalid bodies answer 422 problems whose errors point at exactly the bad fields."""
    for template, fields, what in INVALID:
        body = (
            {**template, "title": notes.title("Invalid")}
            if template.get("title") == "T"
            else template
        )
        notes.check_invalid(api.post("/notes", json=body), fields, f"POST /notes with {what}")


@pytest.mark.stage("problems")
def test_bodies_that_are_no_note_are_problems(api, notes):
    """A JSON list answers a 422 problem; a body that is not JSON a 400 (or 422) problem."""
    notes.check_problem(api.post("/notes", json=[{"title": "in a list"}]), 422)
    resp = api.post(
        "/notes", content='{"title": "cut off', headers={"Content-Type": "application/json"}
    )
    notes.check_problem(resp, (400, 422))


@pytest.mark.stage("problems")
def test_a_rejected_note_is_not_stored(api, notes):
    """After a 422, the same title can still be created: nothing was stored."""
    title = notes.title("Rejected first")
    notes.check_invalid(
        api.post("/notes", json={"title": title, "priority": 6}),
        {"priority"},
        "POST /notes with priority 6",
    )
    resp = api.post("/notes", json={"title": title, "priority": 4})
    expect_status(resp, 201)
    expect_json(resp)


@pytest.mark.stage("problems")
def test_a_taken_title_is_a_409_problem(api, notes):
    """A second note with a title already taken answers a 409 problem; other case is fine."""
    title = notes.title("Unique title")
    notes.create(stage="create-read", title=title)
    notes.check_problem(api.post("/notes", json={"title": title, "body": "again"}), 409)
    resp = api.post("/notes", json={"title": title.upper()})
    expect_status(resp, 201)

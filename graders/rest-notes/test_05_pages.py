"""Stage pages: GET /notes, newest first, with limit/offset pages, bounds and a total."""

import pytest

from learnpath.grading.checks import expect_equal

WRITTEN = 21
# Titles in no particular order: neither alphabetical nor reverse alphabetical.
WORDS = ["Mango", "Apple", "Zucchini", "Kale", "Banana", "Yam", "Carrot"]


@pytest.fixture(scope="module")
def shelf(notes):
    """21 new notes, the second oldest edited last; ``newest`` holds their ids newest created
    first, ``total`` the expected total."""
    before = notes.listing("?limit=1")["total"]
    made = [
        notes.create(stage="create-read", title=notes.title(WORDS[i % len(WORDS)]))
        for i in range(WRITTEN)
    ]
    notes.edit(made[1]["id"], "pages")
    return {"newest": [n["id"] for n in reversed(made)], "total": before + WRITTEN}


def _ids(body):
    return [item["id"] for item in body["items"]]


@pytest.mark.stage("pages")
def test_list_is_newest_first_with_a_total(notes, shelf):
    """GET /notes: items and total (up by 21), 20 items by default, the newest first."""
    body = notes.listing()
    expect_equal(body["total"], shelf["total"], "total of GET /notes after writing 21 notes")
    expect_equal(
        _ids(body),
        shelf["newest"][:20],
        "the ids of GET /notes (20 by default, the most recently created first; the second "
        "oldest was edited last, which does not move it)",
    )


@pytest.mark.stage("pages")
def test_limit_and_offset_page_through(notes, shelf):
    """limit=2 with offset 0, 2, 4 gives the newest pages of two; total stays the same."""
    newest = shelf["newest"]
    for offset in (0, 2, 4):
        body = notes.listing(f"?limit=2&offset={offset}")
        expect_equal(
            (_ids(body), body["total"]),
            (newest[offset : offset + 2], shelf["total"]),
            f"the ids and total of GET /notes?limit=2&offset={offset} (newest first)",
        )
    body = notes.listing("?limit=100")
    expect_equal(
        len(body["items"]),
        min(shelf["total"], 100),
        "the number of items of GET /notes?limit=100 (all notes, up to 100)",
    )
    expect_equal(_ids(body)[:WRITTEN], newest, "the first 21 ids of GET /notes?limit=100")
    body = notes.listing(f"?offset={shelf['total']}")
    expect_equal(
        (body["items"], body["total"]),
        ([], shelf["total"]),
        f"items and total of GET /notes?offset={shelf['total']} (just past the end)",
    )


BAD = [
    ("limit", "0"),
    ("limit", "101"),
    ("limit", "-1"),
    ("limit", "abc"),
    ("limit", "1.5"),
    ("offset", "-1"),
    ("offset", "abc"),
]


@pytest.mark.stage("pages")
def test_bad_limits_and_offsets_are_400_problems(api, notes):
    """limit or offset that is not a whole number in range answers a problem naming it."""
    for name, value in BAD:
        query = f"?{name}={value}"
        notes.check_bad_parameter(api.get(f"/notes{query}"), name, f"GET /notes{query}")

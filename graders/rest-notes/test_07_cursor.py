"""Stage cursor: nextCursor pages that neither repeat nor skip a note while notes are added and
deleted between pages, for every sort, ties included."""

from urllib.parse import urlencode

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field

MAX_PAGES = 8


def _page(notes, params: dict) -> tuple[list[int], str | None]:
    """One page: its ids and its nextCursor (a string, or None on the last page)."""
    query = f"?{urlencode(params)}"
    body = notes.listing(query)
    expect("nextCursor" in body, f"expected a nextCursor field in GET /notes{query}, got none")
    cursor = body["nextCursor"]
    if cursor is not None:
        expect_field(body, "nextCursor", str)
        expect(cursor != "", f"expected nextCursor of GET /notes{query} to be non-empty or null")
    return [item["id"] for item in body["items"]], cursor


def _walk(notes, params: dict, first: tuple[list[int], str | None] | None = None) -> list[list]:
    """Every page, following nextCursor from the first (or from ``first``, already read)."""
    pages = []
    ids, cursor = first or _page(notes, params)
    pages.append(ids)
    while cursor is not None:
        expect(
            len(pages) < MAX_PAGES,
            f"expected the cursor pages of {params} to end (nextCursor null) within "
            f"{MAX_PAGES} pages; pages so far: {pages}",
        )
        ids, cursor = _page(notes, {**params, "cursor": cursor})
        pages.append(ids)
    return pages


def _tagged(notes, what: str, priorities: list[int], words: list[str] | None = None) -> tuple:
    tag = notes.tag(what)
    made = [
        notes.create(
            stage="create-read",
            title=notes.title(words[i] if words else what),
            tags=[tag],
            priority=p,
        )
        for i, p in enumerate(priorities)
    ]
    return tag, made


@pytest.mark.stage("cursor")
def test_cursor_pages_through_everything(notes):
    """Following nextCursor with limit=2 gives all five notes once, newest first: 2, 2, 1."""
    tag, made = _tagged(notes, "walk", [3, 3, 3, 3, 3])
    newest = [n["id"] for n in reversed(made)]
    pages = _walk(notes, {"tag": tag, "limit": 2})
    expect_equal(
        pages,
        [newest[0:2], newest[2:4], newest[4:]],
        f"the pages (ids) of GET /notes?tag={tag}&limit=2 following nextCursor (newest first; "
        "the last page with nextCursor null)",
    )


@pytest.mark.stage("cursor")
def test_cursor_stays_put_when_notes_are_added_and_deleted(notes):
    """Notes added and deleted between pages never make a page repeat or skip a note."""
    tag, made = _tagged(notes, "moving", [3, 3, 3, 3, 3])
    n1, n2, n3, n4, n5 = (n["id"] for n in made)
    params = {"tag": tag, "limit": 2}
    first = _page(notes, params)
    expect_equal(first[0], [n5, n4], f"the first page of GET /notes?tag={tag}&limit=2")
    expect(first[1] is not None, "expected a nextCursor on the first of three pages, got null")
    # Two newer notes go in front; the last note of the first page goes away.
    for _ in range(2):
        notes.create(stage="create-read", title=notes.title("Added"), tags=[tag])
    notes.delete(n4, "cursor")
    pages = _walk(notes, params, first)
    expect_equal(
        pages[1:],
        [[n3, n2], [n1]],
        "the pages after the first, following its nextCursor, after two notes were added in "
        f"front and note {n4} (the first page's last) was deleted: exactly the three older "
        "notes, none twice, none left out (a cursor that is an offset in disguise repeats one)",
    )


@pytest.mark.stage("cursor")
@pytest.mark.parametrize("sort", ["priority", "-title"])
def test_cursor_keeps_the_sort_and_its_ties(notes, sort):
    """sort=priority (ties across the page boundary) and sort=-title page without a gap."""
    words = ["Echo", "Alpha", "Delta", "Bravo", "Charlie"]
    tag, made = _tagged(notes, "sorted", [3, 1, 3, 3, 1], words)
    ids = [n["id"] for n in made]
    if sort == "priority":  # 1s by id, then 3s by id
        order = [ids[1], ids[4], ids[0], ids[2], ids[3]]
    else:  # by title, descending: Echo, Delta, Charlie, Bravo, Alpha
        order = [ids[0], ids[2], ids[4], ids[3], ids[1]]
    pages = _walk(notes, {"tag": tag, "sort": sort, "limit": 2})
    expect_equal(
        pages,
        [order[0:2], order[2:4], order[4:]],
        f"the pages (ids) of GET /notes?tag={tag}&sort={sort}&limit=2 following nextCursor"
        + (" (equal priorities by increasing id)" if sort == "priority" else ""),
    )


@pytest.mark.stage("cursor")
def test_bad_cursors_are_400_problems(api, notes):
    """cursor=not-a-cursor is a problem naming cursor; a cursor with offset is a problem."""
    notes.check_bad_parameter(
        api.get("/notes?cursor=not-a-cursor"), "cursor", "GET /notes?cursor=not-a-cursor"
    )
    tag, _ = _tagged(notes, "combined", [3, 3, 3])
    _, cursor = _page(notes, {"tag": tag, "limit": 1})
    expect(cursor is not None, "expected a nextCursor on the first of three pages, got null")
    resp = api.get(f"/notes?{urlencode({'tag': tag, 'limit': 1, 'cursor': cursor, 'offset': 1})}")
    notes.check_problem(resp, (400, 422))

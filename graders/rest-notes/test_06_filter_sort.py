"""Stage filter-sort: ?tag= matches exactly, sort orders with ties broken by id, and unknown
parameters or sort values are refused.

The six notes are written in an order that is neither by title nor by priority, the
priorities tie, and the oldest is edited last, so a list that is merely returned in the order
of writing, sorted without a tie-break, or by the time of the last edit, shows.
"""

import pytest

from learnpath.grading.checks import expect_equal

# (title word, priority, tagged): written in this order.
WRITTEN = [
    ("Kiwi", 2, "t"),
    ("Fig", 5, "t+o"),
    ("Apple", 2, "t"),
    ("Lime", 1, "more"),
    ("Date", 5, "t"),
    ("Cherry", 2, "o+t"),
]
# The required orders of the five tagged notes, by their word.
ORDERS = {
    "": ["Cherry", "Date", "Apple", "Fig", "Kiwi"],  # -createdAt, the default
    "createdAt": ["Kiwi", "Fig", "Apple", "Date", "Cherry"],
    "title": ["Apple", "Cherry", "Date", "Fig", "Kiwi"],
    "-title": ["Kiwi", "Fig", "Date", "Cherry", "Apple"],
    "priority": ["Kiwi", "Apple", "Cherry", "Fig", "Date"],  # 2s, then 5s, each by id
    "-priority": ["Date", "Fig", "Cherry", "Apple", "Kiwi"],  # 5s, then 2s, each by id desc
}


@pytest.fixture(scope="module")
def garden(notes):
    tag = notes.tag("t")
    more = f"{tag}-more"
    other = notes.tag("o")
    tags = {"t": [tag], "t+o": [tag, other], "o+t": [other, tag], "more": [more]}
    by_word = {}
    for word, priority, tagged in WRITTEN:
        note = notes.create(
            stage="create-read", title=notes.title(word), tags=tags[tagged], priority=priority
        )
        by_word[word] = note["title"]
        if word == "Kiwi":
            oldest = note["id"]
    notes.edit(oldest, "filter-sort")  # the oldest is edited last: editing does not move it
    return {"tag": tag, "more": more, "titles": by_word}


def _titles(body):
    return [item["title"] for item in body["items"]]


@pytest.mark.stage("filter-sort")
def test_tag_filter_matches_exactly(notes, garden, uid):
    """?tag= lists exactly the notes with that tag; a tag nobody has gives an empty list."""
    tag, titles = garden["tag"], garden["titles"]
    body = notes.listing(f"?tag={tag}")
    expect_equal(
        (_titles(body), body["total"]),
        ([titles[w] for w in ORDERS[""]], 5),
        f"titles and total of GET /notes?tag={tag} (newest first; not the note tagged "
        f"{garden['more']}, whose tag only starts with {tag})",
    )
    body = notes.listing(f"?tag={garden['more']}")
    expect_equal(
        (_titles(body), body["total"]),
        ([titles["Lime"]], 1),
        f"titles and total of GET /notes?tag={garden['more']}",
    )
    body = notes.listing(f"?tag=nothing-matches-{uid}")
    expect_equal(
        (body["items"], body["total"]),
        ([], 0),
        f"items and total of GET /notes?tag=nothing-matches-{uid} (no note has it: an empty "
        "list, not every note)",
    )


@pytest.mark.stage("filter-sort")
@pytest.mark.parametrize("sort", ["createdAt", "title", "-title", "priority", "-priority"])
def test_sort_orders_with_ties_broken_by_id(notes, garden, sort):
    """Each sort gives the required order, ties on priority broken by id in its direction."""
    titles = garden["titles"]
    body = notes.listing(f"?tag={garden['tag']}&sort={sort}")
    expect_equal(
        _titles(body),
        [titles[w] for w in ORDERS[sort]],
        f"the titles of GET /notes?tag={garden['tag']}&sort={sort}"
        + (" (equal priorities by id, in the same direction)" if "priority" in sort else ""),
    )


@pytest.mark.stage("filter-sort")
def test_filter_sort_and_pages_combine(notes, garden):
    """?tag=&sort=title&limit=2&offset=2 gives the third and fourth by title, total 5."""
    titles = garden["titles"]
    query = f"?tag={garden['tag']}&sort=title&limit=2&offset=2"
    body = notes.listing(query)
    expect_equal(
        (_titles(body), body["total"]),
        ([titles["Date"], titles["Fig"]], 5),
        f"titles and total of GET /notes{query}",
    )


@pytest.mark.stage("filter-sort")
def test_unknown_sorts_and_parameters_are_refused(api, notes, garden):
    """Unknown sort values and unknown parameters answer 400 (or 422) problems naming them."""
    for value in ("colour", "id", "-"):
        query = f"?sort={value}"
        notes.check_bad_parameter(api.get(f"/notes{query}"), "sort", f"GET /notes{query}")
    for name, value in (("tags", garden["tag"]), ("colour", "red"), ("sort_by", "title")):
        query = f"?{name}={value}"
        notes.check_bad_parameter(
            api.get(f"/notes{query}"),
            name,
            f"GET /notes{query} (an unknown parameter: ignoring it gives an answer that looks "
            "right but is not what was asked)",
        )

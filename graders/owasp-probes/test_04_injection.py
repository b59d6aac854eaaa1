"""Stage injection: search text, sort order and the owner filter are data, never SQL.

The grader knows every document Alice and Bob have, so it knows the exact answer to each
search: an injected condition shows as extra documents (Bob's, or all of Alice's), a broken
statement as a 500, a UNION as rows that are no document of Alice's. Each check ends by
making sure every document is still there, unchanged, and both users still get in.
"""

from dataclasses import dataclass

import pytest

from learnpath.grading.checks import expect, expect_field, expect_json

QUOTED = 'It\'s a "test" (draft)'
BOBBY = "Robert'); DROP TABLE documents;--"
BOBBY_BODY = "He said \"it's fine\" -- then left; 'quoted' \\ back`slash` /* not a comment */"


@dataclass
class Scene:
    alice: object
    bob: object
    alices: list[dict]
    bobs: list[dict]


@pytest.fixture(scope="module")
def pair(docs):
    """Alice and Bob, for all the checks of this stage (each check gets new documents)."""
    return docs.register("alice"), docs.register("bob")


@pytest.fixture
def scene(docs, pair) -> Scene:
    alice, bob = pair
    alices = [
        docs.create(alice, f"{QUOTED} {docs.unique('a')}", "Alice's first draft"),
        docs.create(alice, docs.unique("Quarterly numbers"), "Revenue went up 4%."),
        docs.create(alice, docs.unique("Shopping list"), "milk, bread, 'special' cheese"),
    ]
    bobs = [
        docs.create(bob, docs.unique("Bob's draft"), "Bob's private words"),
        docs.create(bob, docs.unique("Bob's test plan"), "OR 1=1 is just text here"),
    ]
    return Scene(alice, bob, alices, bobs)


def _matching(mine: list[dict], q: str) -> list:
    return sorted(
        d["id"] for d in mine if q.lower() in d["title"].lower() or q.lower() in d["body"].lower()
    )


def _intact(api, docs, kit, scene: Scene, after: str) -> None:
    """Every document still there, unchanged, and both users still signed in."""
    for user, mine in ((scene.alice, scene.alices), (scene.bob, scene.bobs)):
        resp = api.get("/api/me", headers=user.auth)
        expect(
            resp.status_code == 200,
            f"expected {user.name}'s token to still work for GET /api/me after {after}, got "
            f"{kit.brief(resp)}",
        )
        for doc in mine:
            now = docs.read(user, doc["id"], f"after {after}")
            expect(
                (now.get("title"), now.get("body")) == (doc["title"], doc["body"]),
                f"expected {user.name}'s document {doc['id']} to be unchanged after {after}, got "
                f"title {now.get('title')!r}, body {now.get('body')!r}",
            )


SEARCHES = [
    "' OR '1'='1",
    "%') OR 1=1 --",
    "') OR ('1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE documents; --",
    'It\'s a "test"',
] + [
    "zz') UNION SELECT "
    + ", ".join(["id", "id", "email", "password_hash", *["NULL"] * n])
    + " FROM users --"
    for n in range(5)
]


@pytest.mark.stage("injection")
def test_search_text_is_only_text(api, docs, kit, scene):
    """?q= with quotes, OR 1=1, UNION SELECT or DROP TABLE finds exactly what contains the text."""
    for q in SEARCHES:
        resp = api.get("/api/documents", params={"q": q}, headers=scene.alice.auth)
        expect(
            resp.status_code == 200,
            f"expected status 200 for GET /api/documents?q={q} (search text is data, whatever "
            f"it holds), got {kit.brief(resp)}",
        )
        found = expect_field(expect_json(resp), "documents", list)
        got = sorted(d.get("id") for d in found if isinstance(d, dict))
        wanted = _matching(scene.alices, q)
        strangers = [
            d for d in found if isinstance(d, dict) and d.get("owner_id") != scene.alice.id
        ]
        expect(
            not strangers,
            f"expected GET /api/documents?q={q} to list only Alice's documents, got "
            f"{len(strangers)} other rows, e.g. {str(strangers[0])[:120] if strangers else ''}: "
            "the search text went into the SQL",
        )
        expect(
            got == wanted and len(found) == len(wanted),
            f"expected GET /api/documents?q={q} to find exactly Alice's documents that contain "
            f"the text, ids {wanted}, got {len(found)} rows with ids {got}",
        )
    _intact(api, docs, kit, scene, "the searches")


@pytest.mark.stage("injection")
def test_the_owner_filter_is_not_injectable(api, docs, kit, scene):
    """?owner= with OR 1=1 and friends answers 403/422, or Alice's documents only."""
    alice, bob = scene.alice, scene.bob
    for owner in (f"{alice.id} OR 1=1", f"{bob.id}) OR (1=1", f"0 OR owner_id={bob.id}"):
        resp = api.get("/api/documents", params={"owner": owner}, headers=alice.auth)
        what = f"GET /api/documents?owner={owner}"
        if resp.status_code != 200:
            expect(
                resp.status_code in (400, 403, 404, 422),
                f"expected 403 or 422 (or a list of Alice's own documents) for {what}, got "
                f"{kit.brief(resp)}",
            )
            continue
        found = expect_field(expect_json(resp), "documents", list)
        others = [d for d in found if not isinstance(d, dict) or d.get("owner_id") != alice.id]
        expect(
            not others,
            f"expected {what} to list none but Alice's documents, got {len(others)} others: "
            "compare owner with the signed-in user's id, never paste it into SQL",
        )
    _intact(api, docs, kit, scene, "the owner filters")


SORTS = [
    "length(body)",
    "title DESC",
    "owner_id",
    "(CASE WHEN (SELECT count(*) FROM users) > 0 THEN title ELSE body END)",
    "title; DROP TABLE documents",
    "(SELECT 1)",
]


@pytest.mark.stage("injection")
def test_sort_takes_only_the_four_orders(api, docs, kit, scene):
    """?sort= answers 422 for anything but title, -title, created_at and -created_at."""
    for sort in SORTS:
        resp = api.get("/api/documents", params={"sort": sort}, headers=scene.alice.auth)
        hint = ""
        if resp.status_code == 200:
            hint = ": an ORDER BY built from the parameter runs whatever SQL it holds"
        elif resp.status_code == 500:
            hint = ": the parameter reached the SQL"
        expect(
            resp.status_code == 422 and kit.has_errors(resp),
            f"expected status 422 with an errors object for GET /api/documents?sort={sort} "
            f"(not one of the four orders), got {kit.brief(resp)}{hint}",
        )
    for sort in ("title", "-title", "created_at", "-created_at"):
        docs.listing(scene.alice, f"GET /api/documents?sort={sort}", sort=sort)
    _intact(api, docs, kit, scene, "the sort orders")


@pytest.mark.stage("injection")
def test_quotes_are_stored_as_sent(api, docs, kit, scene):
    """A title like Robert'); DROP TABLE documents;-- and a quoted body come back as sent."""
    title = f"{BOBBY} {docs.unique('x')}"
    doc = docs.create(scene.alice, title, BOBBY_BODY)
    now = docs.read(scene.alice, doc["id"], "with quotes in its title")
    expect(
        (now.get("title"), now.get("body")) == (title, BOBBY_BODY),
        f"expected the title and body to come back as sent, {title!r} and {BOBBY_BODY!r}, got "
        f"{now.get('title')!r} and {now.get('body')!r}",
    )
    found = docs.listing(scene.alice, f"GET /api/documents?q={BOBBY}", q=BOBBY)
    expect(
        [d.get("id") for d in found] == [doc["id"]],
        f"expected a search for {BOBBY!r} to find that one document ({doc['id']}), got ids "
        f"{[d.get('id') for d in found]}",
    )
    scene.alices.append(doc)
    _intact(api, docs, kit, scene, "storing quotes")


@pytest.mark.stage("injection")
def test_log_in_is_not_injectable(api, docs, kit, scene, addresses):
    """A log-in with the email ' OR '1'='1' -- answers 401."""
    for email in ("' OR '1'='1' --", f"{scene.alice.email}' --"):
        resp = addresses.login(email, "anything-at-all")
        expect(
            resp.status_code == 401,
            f"expected status 401 for POST /api/login with the email {email!r}, got "
            f"{kit.brief(resp)}",
        )
    _intact(api, docs, kit, scene, "the log-ins")

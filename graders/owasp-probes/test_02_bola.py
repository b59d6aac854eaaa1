"""Stage bola: a signed-in stranger who knows a document's id gets nowhere with it.

Alice owns a document (with a comment); Bob, a legitimate user with a valid token, tries
every route with its id. The grader uses the real ids, so unguessable ids change nothing.
Each check ends by looking at the document from Alice's side: a server that answers 404 to
Bob but changed or deleted the document anyway fails too.
"""

from dataclasses import dataclass

import pytest

from learnpath.grading.checks import expect, expect_field, expect_json


@dataclass
class Scene:
    alice: object
    bob: object
    doc: dict
    comment: dict
    word: str


@pytest.fixture(scope="module")
def pair(docs):
    """Alice and Bob, for all the checks of this stage (each check gets a new document)."""
    alice, bob = docs.register("alice"), docs.register("bob")
    docs.create(bob, docs.unique("Bob's own notes"), "nothing secret")
    return alice, bob


@pytest.fixture
def scene(docs, pair) -> Scene:
    alice, bob = pair
    word = docs.unique("confidential")
    doc = docs.create(alice, f"Alice's plan {word}", f"Salary review for the team, {word}.")
    comment = docs.comment(alice, doc["id"], docs.unique("Only for Alice"))
    return Scene(alice, bob, doc, comment, word)


def _refused(resp, kit, what: str, *leaks: str) -> None:
    hint = ""
    if resp.status_code in (200, 201, 204):
        hint = " (check the owner in the query: WHERE id = ? AND owner_id = ?)"
    expect(
        resp.status_code in (403, 404),
        f"expected 404 (or 403) for {what}, got {kit.brief(resp)}{hint}",
    )
    for leak in leaks:
        expect(
            leak not in resp.text,
            f"expected the answer to {what} not to hold {leak!r}, but it does: {kit.brief(resp)}",
        )


def _leaked(found: list[dict], doc: dict) -> bool:
    return any(d.get("id") == doc["id"] or d.get("title") == doc["title"] for d in found)


@pytest.mark.stage("bola")
def test_a_stranger_cannot_read_a_document(api, docs, kit, scene):
    """Bob's GET of Alice's document answers 404 (or 403) without her title or body."""
    path = f"/api/documents/{scene.doc['id']}"
    resp = api.get(path, headers=scene.bob.auth)
    _refused(resp, kit, f"Bob's GET {path} (Alice's document)", scene.word)
    docs.read(scene.alice, scene.doc["id"], "her own document")


@pytest.mark.stage("bola")
def test_a_stranger_cannot_change_a_document(api, docs, kit, scene):
    """Bob's PATCH of Alice's document answers 404 (or 403) and changes nothing."""
    path = f"/api/documents/{scene.doc['id']}"
    resp = api.patch(
        path, json={"title": "Bob was here", "body": "Bob was here"}, headers=scene.bob.auth
    )
    _refused(resp, kit, f"Bob's PATCH {path} (Alice's document)", scene.word)
    now = docs.read(scene.alice, scene.doc["id"], "after Bob's PATCH")
    expect(
        (now.get("title"), now.get("body")) == (scene.doc["title"], scene.doc["body"]),
        f"expected Alice's document to be unchanged after Bob's refused PATCH {path}, got "
        f"title {now.get('title')!r}, body {now.get('body')!r}: the check must come before "
        "the write",
    )


@pytest.mark.stage("bola")
def test_a_stranger_cannot_delete_a_document(api, docs, kit, scene):
    """Bob's DELETE of Alice's document answers 404 (or 403) and Alice still has it."""
    path = f"/api/documents/{scene.doc['id']}"
    resp = api.delete(path, headers=scene.bob.auth)
    _refused(resp, kit, f"Bob's DELETE {path} (Alice's document)")
    docs.read(scene.alice, scene.doc["id"], "after Bob's DELETE")


@pytest.mark.stage("bola")
def test_lists_and_filters_show_only_your_own(api, docs, kit, scene):
    """Bob's ?owner=<Alice>, ?q=, export and /api/users/<Alice>/documents show none of hers."""
    alice, bob = scene.alice, scene.bob
    resp = api.get("/api/documents", params={"owner": alice.id}, headers=bob.auth)
    what = f"Bob's GET /api/documents?owner={alice.id} (Alice's id)"
    if resp.status_code == 200:
        found = expect_field(expect_json(resp), "documents", list)
        expect(
            not _leaked([d for d in found if isinstance(d, dict)], scene.doc),
            f"expected {what} to list none of Alice's documents, got ids "
            f"{[d.get('id') for d in found]}: a filter is a route too, scope it to the caller",
        )
    else:
        _refused_or_422(resp, kit, what)
    found = docs.listing(bob, "Bob's GET /api/documents")
    expect(
        not _leaked(found, scene.doc),
        f"expected Bob's GET /api/documents to list none of Alice's documents, got ids "
        f"{[d.get('id') for d in found]}",
    )
    found = docs.listing(bob, f"Bob's GET /api/documents?q={scene.word}", q=scene.word)
    expect(
        not found,
        f"expected Bob's search for a word only Alice's document holds ({scene.word}) to find "
        f"nothing, got ids {[d.get('id') for d in found]}",
    )
    resp = api.get("/api/documents/export", headers=bob.auth)
    expect(
        resp.status_code == 200,
        f"expected status 200 for Bob's GET /api/documents/export, got {kit.brief(resp)}",
    )
    expect(
        scene.word not in resp.text,
        f"expected Bob's export not to hold Alice's document (it holds {scene.word!r})",
    )
    path = f"/api/users/{alice.id}/documents"
    resp = api.get(path, headers=bob.auth)
    what = f"Bob's GET {path} (Alice's documents)"
    if resp.status_code == 200:
        expect(
            scene.word not in resp.text,
            f"expected {what} to answer 403/404, or to hold none of Alice's documents, got "
            f"{kit.brief(resp)}",
        )
    else:
        _refused(resp, kit, what, scene.word)
    resp = api.get(path, headers=alice.auth)
    expect(
        resp.status_code == 200 and scene.word in resp.text,
        f"expected Alice's own GET {path} to answer 200 with her document, got {kit.brief(resp)}",
    )


def _refused_or_422(resp, kit, what: str) -> None:
    expect(
        resp.status_code in (403, 404, 422),
        f"expected 403 (or a list without Alice's documents) for {what}, got {kit.brief(resp)}",
    )


@pytest.mark.stage("bola")
def test_comments_follow_their_document(api, kit, scene):
    """Bob's GET and POST on the comments of Alice's document answer 404 (or 403), add nothing."""
    path = f"/api/documents/{scene.doc['id']}/comments"
    resp = api.get(path, headers=scene.bob.auth)
    _refused(resp, kit, f"Bob's GET {path} (comments on Alice's document)", scene.comment["body"])
    planted = f"Bob was here {scene.word}-bob"
    resp = api.post(path, json={"body": planted}, headers=scene.bob.auth)
    _refused(resp, kit, f"Bob's POST {path} (a comment on Alice's document)")
    resp = api.get(path, headers=scene.alice.auth)
    expect(
        resp.status_code == 200 and scene.comment["body"] in resp.text,
        f"expected Alice's GET {path} to answer 200 with her comment, got {kit.brief(resp)}",
    )
    expect(
        planted not in resp.text,
        f"expected Bob's refused comment not to be on Alice's document, but {path} lists it",
    )

"""Stage functional: the documents API's features work (and keep working while it is hardened)."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _ids(docs: list[dict]) -> list:
    return [d.get("id") for d in docs]


@pytest.mark.stage("functional")
def test_sign_up_log_in_and_me(api, docs, kit, addresses):
    """Sign-up answers 201 with a user and a token, log-in a token; both work for /api/me."""
    email = docs.email("ann")
    password = "correct horse battery"
    resp = api.post("/api/users", json={"email": email, "password": password, "name": "Ann"})
    expect_status(resp, 201)
    body = expect_json(resp)
    user_id = expect_field(body, "user.id", int)
    expect_equal(expect_field(body, "user.email", str), email, "user.email")
    expect_equal(expect_field(body, "user.name", str), "Ann", "user.name")
    expect_equal(expect_field(body, "user.role", str), "user", "user.role of a new account")
    token = expect_field(body, "token", str)
    me = api.get("/api/me", headers=kit.bearer(token))
    expect_status(me, 200)
    expect_equal(expect_field(expect_json(me), "user.id", int), user_id, "user.id in GET /api/me")

    again = api.post("/api/users", json={"email": email, "password": password, "name": "Ann"})
    expect_status(again, 409)

    login = addresses.login(email, password)
    expect_status(login, 200)
    fresh = expect_field(expect_json(login), "token", str)
    me = api.get("/api/me", headers=kit.bearer(fresh))
    expect_status(me, 200)
    expect_equal(expect_field(expect_json(me), "user.email", str), email, "user.email")

    wrong = addresses.login(email, password + "x")
    expect_status(wrong, 401)
    for what, headers in (
        ("no token", {}),
        ("a made-up token", kit.bearer("made-up-token-" + docs.uid)),
    ):
        resp = api.get("/api/documents", headers=headers)
        expect(
            resp.status_code == 401,
            f"expected status 401 for GET /api/documents with {what}, got {kit.brief(resp)}",
        )


@pytest.mark.stage("functional")
def test_a_document_is_created_read_changed_commented_and_deleted(api, docs):
    """A document is created (201), read, changed, commented on and deleted (204, then 404)."""
    ann = docs.register("ann")
    title, body = docs.unique("Meeting notes"), "Budget: 12 000 EUR.\nNext: hire two people."
    resp = api.post("/api/documents", json={"title": title, "body": body}, headers=ann.auth)
    expect_status(resp, 201)
    doc = expect_field(expect_json(resp), "document", dict)
    doc_id = expect_field(doc, "id", int)
    expect_equal(doc.get("owner_id"), ann.id, "document.owner_id")
    expect_equal(doc.get("title"), title, "document.title")
    expect_equal(doc.get("body"), body, "document.body")
    path = f"/api/documents/{doc_id}"

    resp = api.get(path, headers=ann.auth)
    expect_status(resp, 200)
    expect_equal(expect_field(expect_json(resp), "document.body"), body, "document.body")

    new_title = docs.unique("Meeting notes, final")
    resp = api.patch(path, json={"title": new_title}, headers=ann.auth)
    expect_status(resp, 200)
    changed = docs.read(ann, doc_id, "after PATCH")
    expect_equal(changed.get("title"), new_title, "document.title after PATCH {title}")
    expect_equal(changed.get("body"), body, "document.body after a PATCH of the title only")

    note = docs.unique("Check the numbers")
    resp = api.post(f"{path}/comments", json={"body": note}, headers=ann.auth)
    expect_status(resp, 201)
    comment = expect_field(expect_json(resp), "comment", dict)
    expect_equal(comment.get("author_id"), ann.id, "comment.author_id")
    resp = api.get(f"{path}/comments", headers=ann.auth)
    expect_status(resp, 200)
    bodies = [c.get("body") for c in expect_field(expect_json(resp), "comments", list)]
    expect(note in bodies, f"expected GET {path}/comments to list {note!r}, got {bodies!r}")

    resp = api.delete(path, headers=ann.auth)
    expect_status(resp, 204)
    resp = api.get(path, headers=ann.auth)
    expect_status(resp, 404)


@pytest.mark.stage("functional")
def test_search_sort_and_filters(api, docs):
    """?q= finds words in titles and bodies, ?sort= orders four ways, ?owner= lists your own."""
    ann = docs.register("ann")
    word = docs.unique("zephyr")
    # created in an order that is neither alphabetical nor its reverse
    made = [
        docs.create(ann, f"Mango {word}", "fruit"),
        docs.create(ann, "Apple pie", f"a recipe with {word.upper()}"),
        docs.create(ann, "Kiwi facts", "nothing to see"),
        docs.create(ann, "Banana bread", "baking"),
    ]
    ids = [d["id"] for d in made]
    by_title = [d["id"] for d in sorted(made, key=lambda d: d["title"])]

    found = docs.listing(ann, f"GET /api/documents?q={word}", q=word)
    expect(
        sorted(_ids(found)) == sorted([ids[0], ids[1]]),
        f"expected GET /api/documents?q={word} to find the document with it in its title and "
        f"the one with it (in capitals) in its body, ids {sorted([ids[0], ids[1]])}, got ids "
        f"{sorted(_ids(found))}",
    )
    orders = {
        "title": by_title,
        "-title": by_title[::-1],
        "created_at": ids,
        "-created_at": ids[::-1],
    }
    for sort, wanted in orders.items():
        got = [i for i in _ids(docs.listing(ann, f"?sort={sort}", sort=sort)) if i in ids]
        expect(
            got == wanted,
            f"expected GET /api/documents?sort={sort} to list ids {wanted}, got {got}",
        )
    default = [i for i in _ids(docs.listing(ann, "GET /api/documents")) if i in ids]
    expect(
        default == ids[::-1],
        f"expected GET /api/documents (no sort) to list the newest first, ids {ids[::-1]}, "
        f"got {default}",
    )
    mine = docs.listing(ann, f"GET /api/documents?owner={ann.id} (your own id)", owner=ann.id)
    expect(
        sorted(_ids(mine)) == sorted(ids),
        f"expected GET /api/documents?owner={ann.id} (your own id) to list your {len(ids)} "
        f"documents, got ids {sorted(_ids(mine))}",
    )
    resp = api.get(f"/api/users/{ann.id}/documents", headers=ann.auth)
    expect_status(resp, 200)
    nested = expect_field(expect_json(resp), "documents", list)
    expect(
        sorted(_ids(nested)) == sorted(ids),
        f"expected GET /api/users/{ann.id}/documents (your own) to list your documents, ids "
        f"{sorted(ids)}, got {sorted(_ids(nested))}",
    )


@pytest.mark.stage("functional")
def test_profiles_and_the_admin_list(api, docs, kit, server):
    """PATCH /api/me changes the name others see; an admin lists the users, a user gets 403."""
    ann, bob = docs.register("ann"), docs.register("bob")
    name = docs.unique("Ann Smith")
    resp = api.patch("/api/me", json={"name": name}, headers=ann.auth)
    expect_status(resp, 200)
    expect_equal(expect_field(expect_json(resp), "user.name"), name, "user.name after PATCH")
    resp = api.get(f"/api/users/{ann.id}", headers=bob.auth)
    expect_status(resp, 200)
    expect_equal(expect_field(expect_json(resp), "user.name"), name, "user.name of a profile")

    resp = api.get("/api/admin/users", headers=bob.auth)
    expect(
        resp.status_code == 403,
        f"expected status 403 for GET /api/admin/users by a user, got {kit.brief(resp)}",
    )
    if not server.started:
        return  # the grader makes its admin in your database file: not with --url
    docs.make_admin(ann)
    resp = api.get("/api/admin/users", headers=ann.auth)
    expect_status(resp, 200)
    users = expect_field(expect_json(resp), "users", list)
    emails = {u.get("email") for u in users if isinstance(u, dict)}
    expect(
        {ann.email, bob.email} <= emails,
        f"expected GET /api/admin/users (by an admin made with SQL) to list {ann.email} and "
        f"{bob.email}, got {len(users)} users",
    )


@pytest.mark.stage("functional")
def test_the_export_holds_every_document(api, docs):
    """GET /api/documents/export answers each of your documents with its body."""
    ann = docs.register("ann")
    made = [docs.create(ann, docs.unique(t), docs.unique("body")) for t in ("One", "Two")]
    resp = api.get("/api/documents/export", headers=ann.auth)
    expect_status(resp, 200)
    exported = expect_field(expect_json(resp), "documents", list)
    got = {d.get("id"): d.get("body") for d in exported if isinstance(d, dict)}
    for doc in made:
        expect(
            got.get(doc["id"]) == doc["body"],
            f"expected the export to hold document {doc['id']} with its body {doc['body']!r}, "
            f"got {got.get(doc['id'])!r}",
        )

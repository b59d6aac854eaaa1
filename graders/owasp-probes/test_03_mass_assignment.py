"""Stage mass-assignment: clients set only the fields they may set, and see only what they may see.

Each forbidden field goes out in a request of its own, next to a field that is allowed: a
server that copies every key could otherwise fail the whole update on one of them (a unique
email, a primary key) and keep the others out by accident. Refusing the request with 422 is
as good as ignoring the field; a 500 is neither.
"""

import json

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _ignored_or_refused(resp, kit, what: str) -> bool:
    """True when the request went through (2xx), False when it was refused with 422."""
    expect(
        200 <= resp.status_code < 300 or resp.status_code == 422,
        f"expected {what} to succeed with the extra field ignored, or to be refused with 422, "
        f"got {kit.brief(resp)}",
    )
    return resp.status_code != 422


def _me(api, user) -> dict:
    resp = api.get("/api/me", headers=user.auth)
    expect_status(resp, 200)
    return expect_field(expect_json(resp), "user", dict)


def _not_admin(api, kit, user, what: str) -> None:
    resp = api.get("/api/admin/users", headers=user.auth)
    expect(
        resp.status_code == 403,
        f"expected status 403 for GET /api/admin/users by {what}, got {kit.brief(resp)}: the "
        "role must not come from the request body",
    )


@pytest.mark.stage("mass-assignment")
def test_sign_up_makes_an_ordinary_user_whatever_the_body_says(api, docs, kit):
    """Signing up with role admin, is_admin and id 999999 gives an ordinary user (or a 422)."""
    email = docs.email("climber")
    body = {
        "email": email,
        "password": "correct horse battery",
        "name": "Climber",
        "role": "admin",
        "is_admin": True,
        "id": 999999,
    }
    resp = api.post("/api/users", json=body)
    if not _ignored_or_refused(resp, kit, 'POST /api/users with "role": "admin"'):
        return
    answer = expect_json(resp)
    expect_equal(expect_field(answer, "user.role"), "user", 'user.role of a sign-up with "admin"')
    user_id = expect_field(answer, "user.id", int)
    expect(user_id != 999999, "expected the id to be the server's, not the body's \"id\": 999999")
    token = expect_field(answer, "token", str)
    me = api.get("/api/me", headers=kit.bearer(token))
    expect_status(me, 200)
    expect_equal(expect_field(expect_json(me), "user.role"), "user", "user.role in GET /api/me")
    resp = api.get("/api/admin/users", headers=kit.bearer(token))
    expect(
        resp.status_code == 403,
        f'expected status 403 for GET /api/admin/users by a user who signed up with "role": '
        f'"admin", got {kit.brief(resp)}',
    )


@pytest.mark.stage("mass-assignment")
def test_a_profile_update_changes_the_name_at_most(api, docs, kit, addresses):
    """PATCH /api/me with role, is_admin, password_hash, email or id changes the name at most."""
    ann = docs.register("ann")
    name = ann.name
    attacks = [
        ("role", "admin"),
        ("is_admin", True),
        ("password_hash", "scrypt$16384$8$1$00$00"),
        ("email", docs.email("taken-over")),
        ("id", 999999),
    ]
    for key, value in attacks:
        new_name = docs.unique("Ann")
        resp = api.patch("/api/me", json={"name": new_name, key: value}, headers=ann.auth)
        if _ignored_or_refused(resp, kit, f"PATCH /api/me with {json.dumps({key: value})}"):
            name = new_name
    me = _me(api, ann)
    expect_equal(me.get("role"), "user", "user.role after PATCH /api/me with a role")
    expect_equal(me.get("id"), ann.id, 'user.id after PATCH /api/me with "id": 999999')
    expect_equal(me.get("email"), ann.email, "user.email after PATCH /api/me with an email")
    expect_equal(me.get("name"), name, "user.name after PATCH /api/me with a new name")
    _not_admin(api, kit, ann, 'a user who sent PATCH /api/me {"role": "admin"}')
    resp = addresses.login(ann.email, ann.password)
    expect(
        resp.status_code == 200,
        f"expected the old password to still log in (200) after PATCH /api/me with a "
        f"password_hash, got {kit.brief(resp)}",
    )


@pytest.mark.stage("mass-assignment")
def test_documents_and_comments_belong_to_whoever_writes_them(api, docs, kit):
    """owner_id, id and author_id in a body change nothing: a document is its creator's."""
    ann, bob = docs.register("ann"), docs.register("bob")
    bobs = docs.create(bob, docs.unique("Bob's document"), "Bob's words")

    planted = docs.unique("Planted")
    resp = api.post(
        "/api/documents",
        json={"title": planted, "body": "x", "owner_id": bob.id},
        headers=ann.auth,
    )
    if _ignored_or_refused(resp, kit, 'POST /api/documents with "owner_id": <Bob>'):
        doc = expect_field(expect_json(resp), "document", dict)
        expect_equal(doc.get("owner_id"), ann.id, "owner_id of a document sent with Bob's id")
        seen = api.get(f"/api/documents/{doc.get('id')}", headers=bob.auth)
        expect(
            seen.status_code in (403, 404),
            f'expected Bob not to read a document Ann created with "owner_id": {bob.id}, got '
            f"{kit.brief(seen)}",
        )

    resp = api.post(
        "/api/documents",
        json={"title": docs.unique("Overwrite"), "body": "Ann's words", "id": bobs["id"]},
        headers=ann.auth,
    )
    if _ignored_or_refused(resp, kit, 'POST /api/documents with the "id" of Bob\'s document'):
        made = expect_field(expect_json(resp), "document", dict)
        expect(
            made.get("id") != bobs["id"],
            f"expected a new document to get a new id, not the id {bobs['id']} sent in the body",
        )
    now = docs.read(bob, bobs["id"], "after Ann created a document with its id")
    expect(
        (now.get("title"), now.get("body"), now.get("owner_id"))
        == (bobs["title"], bobs["body"], bob.id),
        f"expected Bob's document to be unchanged after Ann sent its id in POST /api/documents, "
        f"got {now!r}",
    )

    own = docs.create(ann, docs.unique("Ann's document"), "Ann's words")
    path = f"/api/documents/{own['id']}"
    resp = api.patch(
        path, json={"title": docs.unique("Moved"), "owner_id": bob.id}, headers=ann.auth
    )
    _ignored_or_refused(resp, kit, f'PATCH {path} with "owner_id": <Bob>')
    now = docs.read(ann, own["id"], 'after PATCH with "owner_id": <Bob>')
    expect_equal(now.get("owner_id"), ann.id, 'owner_id after PATCH with "owner_id": <Bob>')
    seen = api.get(path, headers=bob.auth)
    expect(
        seen.status_code in (403, 404),
        f'expected Bob not to read Ann\'s document after her PATCH with "owner_id": {bob.id}, '
        f"got {kit.brief(seen)}",
    )

    resp = api.post(
        f"{path}/comments", json={"body": "Ann's remark", "author_id": bob.id}, headers=ann.auth
    )
    if _ignored_or_refused(resp, kit, f'POST {path}/comments with "author_id": <Bob>'):
        comment = expect_field(expect_json(resp), "comment", dict)
        expect_equal(comment.get("author_id"), ann.id, "author_id of a comment sent with Bob's")


def _secret_keys(value, words, where: str = "") -> list[str]:
    """Every key (as a dotted path) that ``words`` matches: password, hash, salt."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            here = f"{where}.{key}" if where else str(key)
            if words.search(str(key)):
                found.append(here)
            found += _secret_keys(inner, words, here)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found += _secret_keys(inner, words, f"{where}.{i}" if where else str(i))
    return found


@pytest.mark.stage("mass-assignment")
def test_no_answer_holds_a_password_hash(api, docs, kit, server, addresses):
    """No answer of sign-up, log-in, /api/me, a profile or the admin list holds a password hash."""
    ann, bob = docs.register("ann"), docs.register("bob")
    answers = []
    resp = api.post(
        "/api/users",
        json={"email": docs.email("carl"), "password": "correct horse battery", "name": "Carl"},
    )
    answers.append(("POST /api/users", resp))
    answers.append(("POST /api/login", addresses.login(ann.email, ann.password)))
    answers.append(("GET /api/me", api.get("/api/me", headers=ann.auth)))
    answers.append(
        ("PATCH /api/me", api.patch("/api/me", json={"name": "Ann B."}, headers=ann.auth))
    )
    answers.append((f"GET /api/users/{ann.id}", api.get(f"/api/users/{ann.id}", headers=bob.auth)))
    stored = None
    if server.started:
        docs.make_admin(ann)
        answers.append(("GET /api/admin/users", api.get("/api/admin/users", headers=ann.auth)))
        stored = docs.stored_hash(bob)
    for what, resp in answers:
        expect(
            200 <= resp.status_code < 300,
            f"expected {what} to succeed (see stage functional), got {kit.brief(resp)}",
        )
        keys = _secret_keys(expect_json(resp), kit.SECRET_WORDS)
        expect(
            not keys,
            f"expected the answer to {what} to hold no field named like password, hash or "
            f"salt, got {', '.join(keys)}: build responses field by field",
        )
        if stored:
            expect(
                stored not in resp.text,
                f"expected the answer to {what} not to hold a stored password hash, but it "
                f"holds Bob's ({stored[:24]}…)",
            )


@pytest.mark.stage("mass-assignment")
def test_a_profile_shows_only_id_and_name(api, docs):
    """Bob's view of Ann's profile holds her id and name, and nothing else."""
    ann, bob = docs.register("ann"), docs.register("bob")
    resp = api.get(f"/api/users/{ann.id}", headers=bob.auth)
    expect_status(resp, 200)
    user = expect_field(expect_json(resp), "user", dict)
    extra = sorted(set(user) - {"id", "name"})
    shown = ", ".join(f"{key}: {str(user[key])[:40]!r}" for key in extra[:4])
    expect(
        not extra,
        f"expected another user's profile to hold only id and name, got also {shown}: build "
        "the public profile field by field",
    )
    expect_equal(user.get("id"), ann.id, "user.id of the profile")

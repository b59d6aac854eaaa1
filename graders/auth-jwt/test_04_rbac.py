"""Stage rbac: roles read from the database on every request, 401 vs 403, other people's notes."""

import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


class Team:
    """The admin of this stage (made with SQL, as the contract says) and role changes."""

    def __init__(self, auth, kit) -> None:
        self.auth, self.kit = auth, kit
        self.admin = auth.register("admin")
        auth.make_role(self.admin, "admin")
        self.token = auth.access(self.admin)
        resp = auth.api.get("/api/admin/users", headers=kit.bearer(self.token))
        expect(
            resp.status_code == 200,
            f"setup: made {self.admin.email} an admin with `UPDATE users SET role = 'admin'` in "
            f"$DATABASE_PATH and logged in, but GET /api/admin/users answered "
            f"{kit.brief(resp)}: read the role from the users table on each request",
        )

    def set_role(self, user, role: str) -> None:
        resp = self.auth.api.put(
            f"/api/admin/users/{user.id}/role",
            json={"role": role},
            headers=self.kit.bearer(self.token),
        )
        expect(
            resp.status_code == 200,
            f"setup: the admin making {user.email} {role} with PUT /api/admin/users/{user.id}/role "
            f"should answer 200, got {self.kit.brief(resp)}",
        )


@pytest.fixture(scope="module")
def team(auth, kit):
    return Team(auth, kit)


def _note(auth, kit, token: str, title: str) -> dict:
    resp = auth.api.post(
        "/api/notes",
        json={"title": title, "body": f"The body of {title}"},
        headers=kit.bearer(token),
    )
    expect(
        resp.status_code == 201,
        f"expected status 201 for POST /api/notes, got {kit.brief(resp)}",
    )
    note = expect_field(expect_json(resp), "note", dict)
    expect_field(note, "id", int)
    return note


def _status(resp, wanted: int, what: str, kit) -> None:
    expect(
        resp.status_code == wanted,
        f"expected status {wanted} for {what}, got {kit.brief(resp)}",
    )


@pytest.mark.stage("rbac")
def test_a_role_sent_at_registration_is_ignored(api, auth, kit):
    """Registering with "role": "admin" makes a user (or is refused with 422)."""
    email, password = auth.email("climber"), auth.password("climber")
    resp = api.post("/api/users", json={"email": email, "password": password, "role": "admin"})
    if resp.status_code == 422:
        return  # refusing the field is fine too
    expect_status(resp, 201)
    role = (expect_json(resp).get("user") or {}).get("role")
    expect_equal(role, "user", 'user.role of an account registered with "role": "admin"')
    token = auth.access(auth.known(email, password))
    me = auth.me(token)
    expect_status(me, 200)
    expect_equal(expect_field(expect_json(me), "user.role"), "user", "user.role in GET /api/me")
    admin = api.get("/api/admin/users", headers=kit.bearer(token))
    _status(admin, 403, 'GET /api/admin/users by a user who registered with "role": "admin"', kit)


@pytest.mark.stage("rbac")
def test_admin_routes_answer_401_without_a_token_and_403_to_users(api, auth, kit):
    """GET /api/admin/users answers 401 without a token and 403 with a user's token."""
    anonymous = api.get("/api/admin/users")
    _status(anonymous, 401, "GET /api/admin/users without a token (who are you?)", kit)
    kit.check_error(anonymous, 401, "GET /api/admin/users without a token")
    token = auth.access(auth.register("plain"))
    resp = api.get("/api/admin/users", headers=kit.bearer(token))
    _status(resp, 403, "GET /api/admin/users with a valid user's token (known, not allowed)", kit)
    kit.check_error(resp, 403, "GET /api/admin/users by a user")


@pytest.mark.stage("rbac")
def test_admin_routes_let_admins_in_and_keep_editors_out(api, auth, kit, team):
    """GET /api/admin/users answers 403 to an editor and 200 with the users to an admin."""
    editor = auth.register("editor")
    team.set_role(editor, "editor")
    resp = api.get("/api/admin/users", headers=kit.bearer(auth.access(editor)))
    _status(resp, 403, "GET /api/admin/users with an editor's token", kit)
    resp = api.get("/api/admin/users", headers=kit.bearer(team.token))
    _status(resp, 200, "GET /api/admin/users with an admin's token", kit)
    users = expect_field(expect_json(resp), "users", list)
    found = {u.get("email"): u.get("role") for u in users if isinstance(u, dict)}
    expect(
        found.get(editor.email) == "editor" and found.get(team.admin.email) == "admin",
        f"expected the users list to hold {editor.email} (editor) and {team.admin.email} "
        f"(admin), got {len(users)} users, those two as {found.get(editor.email)!r} and "
        f"{found.get(team.admin.email)!r}",
    )


@pytest.mark.stage("rbac")
def test_another_users_note_is_invisible(api, auth, kit):
    """Bob's GET, PUT and DELETE of Alice's note answer 404, and his list does not hold it."""
    alice, bob = auth.register("alice"), auth.register("bob")
    alice_token, bob_token = auth.access(alice), auth.access(bob)
    note = _note(auth, kit, alice_token, "Alice's secret")
    path = f"/api/notes/{note['id']}"
    for method, body in (("GET", None), ("PUT", {"body": "Bob was here"}), ("DELETE", None)):
        resp = api.request(method, path, json=body, headers=kit.bearer(bob_token))
        _status(
            resp, 404, f"{method} {path} by another user (a note you may not see is a 404)", kit
        )
    listed = api.get("/api/notes", headers=kit.bearer(bob_token))
    expect_status(listed, 200)
    ids = [
        n.get("id") for n in expect_field(expect_json(listed), "notes", list) if isinstance(n, dict)
    ]
    expect(
        note["id"] not in ids,
        f"expected GET /api/notes by another user not to list Alice's note {note['id']}, got "
        f"ids {ids}",
    )
    again = api.get(path, headers=kit.bearer(alice_token))
    expect_status(again, 200)
    expect_equal(
        expect_field(expect_json(again), "note.body"), note["body"], "the body of Alice's note"
    )


@pytest.mark.stage("rbac")
def test_editors_change_any_note_but_only_owners_and_admins_delete(api, auth, kit, team):
    """An editor reads and changes Alice's note but may not delete it; an admin may."""
    alice, editor = auth.register("owner"), auth.register("editor")
    team.set_role(editor, "editor")
    alice_token, editor_token = auth.access(alice), auth.access(editor)
    note = _note(auth, kit, alice_token, "Draft")
    path = f"/api/notes/{note['id']}"
    _status(api.get(path, headers=kit.bearer(editor_token)), 200, f"GET {path} by an editor", kit)
    edit = api.put(path, json={"body": "Edited"}, headers=kit.bearer(editor_token))
    _status(edit, 200, f"PUT {path} by an editor", kit)
    expect_equal(expect_field(expect_json(edit), "note.body"), "Edited", "note.body after the edit")
    delete = api.delete(path, headers=kit.bearer(editor_token))
    _status(delete, 403, f"DELETE {path} by an editor (sees it, may not delete it)", kit)
    kit.check_error(delete, 403, f"DELETE {path} by an editor")
    _status(api.get(path, headers=kit.bearer(alice_token)), 200, f"GET {path} by its owner", kit)
    delete = api.delete(path, headers=kit.bearer(team.token))
    _status(delete, 204, f"DELETE {path} by an admin", kit)
    gone = api.get(path, headers=kit.bearer(alice_token))
    _status(gone, 404, f"GET {path} by its owner after an admin deleted it", kit)


@pytest.mark.stage("rbac")
def test_role_changes_count_for_tokens_already_issued(api, auth, kit, team):
    """Promotions and demotions count from the next request, with the tokens already issued."""
    alice, bob = auth.register("author"), auth.register("reader")
    note = _note(auth, kit, auth.access(alice), "Roles")
    path = f"/api/notes/{note['id']}"
    bob_token = auth.access(bob)
    team.set_role(bob, "editor")
    resp = api.get(path, headers=kit.bearer(bob_token))
    _status(resp, 200, f"GET {path} with the token Bob had before he was made editor", kit)
    team.set_role(bob, "user")
    resp = api.get(path, headers=kit.bearer(bob_token))
    _status(resp, 404, f"GET {path} with Bob's token after he was made a user again", kit)
    carol = auth.register("boss")
    team.set_role(carol, "admin")
    carol_token = auth.access(carol)  # a token issued while she is an admin
    team.set_role(carol, "user")
    resp = api.get("/api/admin/users", headers=kit.bearer(carol_token))
    _status(
        resp,
        403,
        "GET /api/admin/users with a token issued while the user was an admin, after the user "
        "was made a user again (read the role from the database, not from the token)",
        kit,
    )


@pytest.mark.stage("rbac")
def test_only_admins_change_roles(api, auth, kit, team):
    """A user or an editor changing a role answers 403; an unknown role answers 422."""
    bob, editor = auth.register("wannabe"), auth.register("editor")
    team.set_role(editor, "editor")
    for who, role in ((bob, "user"), (editor, "editor")):
        token = auth.access(who)
        path = f"/api/admin/users/{who.id}/role"
        resp = api.put(path, json={"role": "admin"}, headers=kit.bearer(token))
        _status(resp, 403, f"PUT {path} by a {role} making themselves admin", kit)
        me = auth.me(token)
        expect_status(me, 200)
        expect_equal(
            expect_field(expect_json(me), "user.role"), role, f"the {role}'s role afterwards"
        )
    path = f"/api/admin/users/{bob.id}/role"
    resp = api.put(path, json={"role": "superuser"}, headers=kit.bearer(team.token))
    _status(resp, 422, f'PUT {path} by the admin with "role": "superuser"', kit)

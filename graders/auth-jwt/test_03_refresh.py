"""Stage refresh: refresh tokens are single-use, rotate, reveal reuse, and end at logout."""

import threading

import pytest

from learnpath.grading.checks import expect, expect_field, expect_json, expect_status
from learnpath.grading.client import Api


def _rotated(auth, kit, refresh_token: str, what: str) -> dict:
    """The answer of a refresh that must succeed."""
    resp = auth.refresh(refresh_token)
    expect(
        resp.status_code == 200,
        f"expected status 200 for POST /api/token/refresh with {what}, got {kit.brief(resp)}",
    )
    body = expect_json(resp)
    expect_field(body, "access_token", str)
    expect_field(body, "refresh_token", str)
    return body


def _refused(auth, kit, refresh_token: object, what: str) -> None:
    resp = auth.refresh(refresh_token)
    accepted = " (the server accepted it)" if resp.status_code < 300 else ""
    expect(
        resp.status_code == 401,
        f"expected status 401 for POST /api/token/refresh with {what}, got "
        f"{kit.brief(resp)}{accepted}",
    )
    kit.check_error(resp, 401, f"POST /api/token/refresh with {what}")


@pytest.mark.stage("refresh")
def test_refresh_answers_new_tokens(auth, kit):
    """A refresh answers a working access token and a new refresh token."""
    user = auth.register("rot")
    first = auth.login(user)
    second = _rotated(auth, kit, first["refresh_token"], "the refresh token of a login")
    me = auth.me(second["access_token"])
    expect_status(me, 200)
    got = expect_field(expect_json(me), "user.id", int)
    expect(
        got == user.id,
        f"expected the refreshed access token to identify {user.email} (id {user.id}) in "
        f"GET /api/me, got id {got}",
    )
    expect(
        second["refresh_token"] != first["refresh_token"],
        "expected a new refresh_token from POST /api/token/refresh, got the one sent: rotate "
        "refresh tokens, so that each works once",
    )


@pytest.mark.stage("refresh")
def test_reusing_a_refresh_token_revokes_its_family(auth, kit):
    """A used refresh token is refused, and its reuse revokes the newest one of its family."""
    user, other = auth.register("reuse"), auth.register("bystander")
    first = auth.login(user)
    bystander = auth.login(other)
    second = _rotated(auth, kit, first["refresh_token"], "the refresh token of a login")
    _refused(auth, kit, first["refresh_token"], "a refresh token that was already used")
    _refused(
        auth,
        kit,
        second["refresh_token"],
        "the newest refresh token of a family whose older, used token was just sent again "
        "(reuse means a copy exists: revoke the whole family)",
    )
    _rotated(
        auth,
        kit,
        bystander["refresh_token"],
        f"the refresh token of another user ({other.email}), after a reuse in someone else's "
        "family (revoke that family only)",
    )


@pytest.mark.stage("refresh")
def test_logout_revokes_the_refresh_token(auth, kit):
    """After POST /api/logout (204) with a refresh token, refreshing with it answers 401."""
    user = auth.register("logout")
    tokens = _rotated(auth, kit, auth.login(user)["refresh_token"], "the refresh token of a login")
    resp = auth.api.post("/api/logout", json={"refresh_token": tokens["refresh_token"]})
    expect_status(resp, 204)
    _refused(auth, kit, tokens["refresh_token"], "a refresh token after POST /api/logout with it")


@pytest.mark.stage("refresh")
def test_refresh_and_access_tokens_are_not_interchangeable(auth, kit):
    """A refresh token is no access token, an access token no refresh token; junk is refused."""
    user = auth.register("swap")
    tokens = auth.login(user)
    me = auth.me(tokens["refresh_token"])
    accepted = " (the server accepted it)" if me.status_code < 300 else ""
    expect(
        me.status_code == 401,
        f"expected status 401 for GET /api/me with a refresh token as the Bearer token, got "
        f"{kit.brief(me)}{accepted}",
    )
    _refused(auth, kit, tokens["access_token"], "an access token instead of a refresh token")
    _refused(auth, kit, "not-a-token", "'not-a-token'")


@pytest.mark.stage("refresh")
def test_parallel_refreshes_with_one_token(api, auth, kit):
    """Four refreshes sent at the same moment with one refresh token: at most one succeeds."""
    user = auth.register("race")
    token = auth.login(user)["refresh_token"]
    clients = [Api(api.base_url, timeout=api.timeout) for _ in range(4)]
    for client in clients:
        client.exchanges = api.exchanges
        client.get("/api/health")  # connect first, so the refreshes leave together
    barrier = threading.Barrier(len(clients))
    statuses: list[int | str] = []

    def send(client: Api) -> None:
        barrier.wait()
        try:
            resp = client.post("/api/token/refresh", json={"refresh_token": token})
            statuses.append(resp.status_code)
        except AssertionError as exc:
            statuses.append(str(exc))

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    for client in clients:
        client.close()
    errors = [s for s in statuses if isinstance(s, str)]
    expect(not errors, f"a parallel POST /api/token/refresh failed: {errors[:1]}")
    expect(
        statuses.count(200) <= 1,
        f"expected at most one of 4 simultaneous refreshes with the same token to answer 200, "
        f"got statuses {sorted(statuses)}: check and use up the token in one step (an UPDATE "
        "... WHERE used_at IS NULL that must change one row, in a transaction)",
    )


@pytest.mark.stage("refresh")
def test_refresh_tokens_are_stored_hashed(auth, kit):
    """The database holds no refresh token as issued, nor in base64 or hex."""
    user = auth.register("store")
    token = auth.login(user)["refresh_token"]
    path = auth.database()
    found = kit.find_exposed(path, {"": token.encode()})
    expect(
        found is None,
        f"found a refresh token{found[1] if found else ''} in {found[0] if found else ''} of "
        f"{path.name}: store its SHA-256 instead, so a copy of the database opens no account",
    )

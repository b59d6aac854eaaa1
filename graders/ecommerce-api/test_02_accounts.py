"""Stage accounts: sign up, log in, the current user, tokens and roles."""

import time

import jwt
import pytest

from learnpath.grading.checks import expect, expect_equal, expect_field, expect_json, expect_status


def _body(shop, role="acct"):
    name = shop.unique(role)
    return {"email": f"{name}@example.com", "username": name, "password": f"pw-{name}-Secret"}


@pytest.mark.stage("accounts")
def test_register_returns_a_customer_with_a_token(api, shop):
    user = _body(shop)
    resp = api.post("/api/users", json={"user": user})
    expect_status(resp, 201)
    body = expect_json(resp)
    expect_equal(expect_field(body, "user.email"), user["email"], "user.email")
    expect_equal(expect_field(body, "user.username"), user["username"], "user.username")
    expect_equal(expect_field(body, "user.role"), "customer", "user.role of a new account")
    token = expect_field(body, "user.token", str)
    expect(token.count(".") == 2, f"expected user.token to be a JWT, got {token[:40]!r}")
    import time

    import jwt

    claims = jwt.decode(token, options={"verify_signature": False})
    expect(
        isinstance(claims.get("exp"), int | float) and claims["exp"] > time.time(),
        f"expected the token to carry an 'exp' claim in the future (tokens must expire), got "
        f"claims {sorted(claims)}",
    )
    expect("password" not in body["user"], "expected no password in the answer, got one")


@pytest.mark.stage("accounts")
@pytest.mark.parametrize("field", ["email", "username", "password"])
def test_register_blank_or_missing_field_is_422(api, shop, field):
    for value in ("", None):
        user = _body(shop)
        if value is None:
            del user[field]
        else:
            user[field] = value
        resp = api.post("/api/users", json={"user": user})
        shop.check_error(resp, 422, field)
        messages = resp.json()["errors"][field]
        expect_equal(messages[:1], ["can't be blank"], f"errors.{field} for a blank {field}")


@pytest.mark.stage("accounts")
def test_register_short_password_is_422(api, shop):
    user = {**_body(shop), "password": "short7!"}
    shop.check_error(api.post("/api/users", json={"user": user}), 422, "password")


@pytest.mark.stage("accounts")
@pytest.mark.parametrize("field", ["email", "username"])
def test_register_taken_is_409(api, shop, field):
    first = _body(shop)
    expect_status(api.post("/api/users", json={"user": first}), 201)
    second = {**_body(shop), field: first[field]}
    resp = api.post("/api/users", json={"user": second})
    shop.check_error(resp, 409, field)
    expect_equal(resp.json()["errors"][field][:1], ["has already been taken"], f"errors.{field}")


@pytest.mark.stage("accounts")
def test_login_and_current_user(api, shop):
    user = shop.register("login")
    resp = api.post(
        "/api/users/login", json={"user": {"email": user.email, "password": user.password}}
    )
    expect_status(resp, 200)
    token = expect_field(expect_json(resp), "user.token", str)
    expect_equal(resp.json()["user"].get("username"), user.username, "user.username after login")
    resp = api.get("/api/user", token=token)
    expect_status(resp, 200)
    body = expect_json(resp)
    expect_equal(expect_field(body, "user.email"), user.email, "user.email of GET /api/user")
    expect_equal(expect_field(body, "user.role"), "customer", "user.role of GET /api/user")


@pytest.mark.stage("accounts")
def test_login_wrong_password_or_email_is_401(api, shop):
    user = shop.register("wrong")
    for email, password in ((user.email, user.password + "x"), ("x" + user.email, user.password)):
        resp = api.post("/api/users/login", json={"user": {"email": email, "password": password}})
        shop.check_error(resp, 401, "credentials")


@pytest.mark.stage("accounts")
def test_admin_is_seeded_with_the_admin_role(api, admin):
    resp = api.get("/api/user", token=admin.token)
    expect_status(resp, 200)
    expect_equal(expect_field(expect_json(resp), "user.role"), "admin", "user.role of the admin")
    expect_equal(resp.json()["user"].get("username"), "admin", "user.username of the admin")


def _forgeries(token: str, secret: str | None) -> dict[str, str]:
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = {
        "a token signed with another key": jwt.encode(claims, "not-the-secret", algorithm="HS256"),
        "an unsigned token (alg 'none')": jwt.encode(claims, None, algorithm="none"),
        "the token 'a.b.c'": "a.b.c",
    }
    if secret:
        expired = {**claims, "exp": int(time.time()) - 3600}
        forged["a token that expired an hour ago"] = jwt.encode(expired, secret, algorithm="HS256")
    return forged


@pytest.mark.stage("accounts")
def test_bad_tokens_are_401(api, shop, server):
    user = shop.register("tok")
    expect_status(api.get("/api/user", token=user.token), 200)
    resp = api.get("/api/user")
    shop.check_error(resp, 401)
    for what, token in _forgeries(user.token, server.env.get("JWT_SECRET")).items():
        resp = api.get("/api/user", token=token)
        expect(
            resp.status_code == 401,
            f"expected 401 for GET /api/user with {what}, got {resp.status_code}",
        )
        shop.check_error(resp, 401)


@pytest.mark.stage("accounts")
def test_customer_on_an_admin_route_is_403(api, shop, admin):
    user = shop.register("nosy")
    product = {
        "name": shop.unique("Forbidden"),
        "description": "x",
        "price": 100,
        "currency": "EUR",
        "stock": 1,
    }
    resp = api.post("/api/products", json={"product": product}, token=user.token)
    shop.check_error(resp, 403)
    resp = api.post("/api/products", json={"product": product}, token="a.b.c")
    shop.check_error(resp, 401)


@pytest.mark.stage("accounts")
def test_passwords_are_not_stored_plain(api, shop, services):
    """No column of any table holds the password as given."""
    import psycopg
    from psycopg import sql

    user = shop.register("hash")
    with psycopg.connect(services.postgres.dsn, connect_timeout=10) as conn:
        columns = conn.execute(
            """SELECT table_schema, table_name, column_name FROM information_schema.columns
               WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
                 AND data_type IN ('text', 'character varying', 'character')"""
        ).fetchall()
        for schema, table, column in columns:
            query = sql.SQL("SELECT count(*) FROM {}.{} WHERE {} = %s").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column)
            )
            found = conn.execute(query, (user.password,)).fetchone()
            expect(
                found is not None and found[0] == 0,
                f"expected passwords stored as a slow salted hash, got the plain password in "
                f"{table}.{column}",
            )

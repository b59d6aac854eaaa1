"""Shared set-up for the oauth-sessions graders: browsers, people at the provider, sign-ins.

The grader plays every browser itself: a ``Browser`` keeps the cookies the learner's server
sets (and sends them back only to it), follows no redirect on its own, and records each request
it makes, to the server and to the provider, so a failing check shows the whole sign-in as curl
commands. The OpenID provider is the fake one learnpath starts for the run: graders choose who
is signed in there, read what the learner's server asked of it, and make it issue bad ID tokens
through its control API (``learnpath.fakes.oauth.control``).

People are made per test (their ``sub`` and email carry the run's ``uid`` and a serial number),
and the provider's log is cleared before each test, so checks never depend on each other.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from learnpath.grading.checks import CheckFailure, expect, expect_field, expect_json
from learnpath.grading.client import Api

SESSION_COOKIE = "session"
CSRF_HEADER = "X-CSRF-Token"
REFUSED = (400, 401, 403)  # how a refused sign-in may answer
REDIRECTS = (302, 303, 307)
MIN_RANDOM = 16  # characters of state and nonce, at least


def brief(resp: httpx.Response) -> str:
    """The status and the start of the body, for one-line failure messages."""
    text = " ".join(resp.text.split())
    return f"{resp.status_code} {text[:160]!r}"


# -- cookies and browsers -------------------------------------------------------------------


@dataclass
class Cookie:
    """One Set-Cookie header: the value and the attributes (names in lower case)."""

    name: str
    value: str
    attrs: dict[str, str]
    header: str

    @property
    def expired(self) -> bool:
        max_age = self.attrs.get("max-age")
        if max_age is not None:
            try:
                return int(max_age) <= 0
            except ValueError:
                return False
        expires = self.attrs.get("expires")
        if expires:
            from email.utils import parsedate_to_datetime

            try:
                return parsedate_to_datetime(expires).timestamp() < time.time()
            except (TypeError, ValueError):
                return False
        return False


def parse_set_cookie(header: str) -> Cookie | None:
    first, *rest = header.split(";")
    name, eq, value = first.partition("=")
    if not eq or not name.strip():
        return None
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    attrs: dict[str, str] = {}
    for part in rest:
        key, _, val = part.partition("=")
        if key.strip():
            attrs[key.strip().lower()] = val.strip()
    return Cookie(name.strip(), value, attrs, header)


class Browser(Api):
    """A browser for one person: a cookie jar for the learner's server, redirects by hand.

    Requests to the learner's server carry the jar's cookies (as a ``Cookie`` header, so the
    curl line of a failure shows them) and this browser's ``headers``; requests elsewhere (the
    provider) carry neither. Every exchange is recorded in the grader's shared list.
    """

    def __init__(self, api: Api, name: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(api.base_url, timeout=api.timeout)
        self.exchanges = api.exchanges
        self.name = name
        self.headers = dict(headers or {})
        self.jar: dict[str, str] = {}
        self.set_cookies: dict[str, Cookie] = {}  # the last Set-Cookie of each name
        self.last_set: list[Cookie] = []  # the Set-Cookie headers of the last response

    def same_origin(self, path: str) -> bool:
        return not path.startswith(("http://", "https://")) or path.startswith(self.base_url + "/")

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers: dict[str, str] = {}
        own = self.same_origin(path)
        if own:
            headers.update(self.headers)
            if self.jar:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        headers.update(kwargs.pop("headers", None) or {})
        resp = super().request(method, path, headers=headers, **kwargs)
        self._client.cookies.clear()  # httpx's own jar: this class keeps the cookies
        self.last_set = []
        if own:
            for raw in resp.headers.get_list("set-cookie"):
                cookie = parse_set_cookie(raw)
                if cookie is None:
                    continue
                self.last_set.append(cookie)
                self.set_cookies[cookie.name] = cookie
                if cookie.expired or cookie.value == "":
                    self.jar.pop(cookie.name, None)
                else:
                    self.jar[cookie.name] = cookie.value
        return resp

    @property
    def session(self) -> str | None:
        """The value of the session cookie this browser holds."""
        return self.jar.get(SESSION_COOKIE)

    def cookies_described(self) -> str:
        names = ", ".join(sorted(self.jar)) or "none"
        return f"cookies held: {names}"


# -- people and sign-ins ----------------------------------------------------------------------


@dataclass
class Person:
    """Someone with an account at the provider."""

    sub: str
    email: str
    name: str

    def claims(self) -> dict[str, Any]:
        return {"sub": self.sub, "email": self.email, "name": self.name}


@dataclass
class Start:
    """What ``GET /login`` answered: the redirect to the provider and its parameters."""

    resp: httpx.Response
    location: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def state(self) -> str | None:
        return self.params.get("state")


@dataclass
class Login:
    """A finished sign-in: the callback's answer and ``GET /me``'s user and CSRF token."""

    callback: httpx.Response
    callback_url: str
    user: dict[str, Any]
    csrf: str | None
    start: Start


class Oidc:
    """The sign-in flow, step by step, and the provider's control API."""

    def __init__(self, api: Api, uid: str, services: Any) -> None:
        from learnpath.fakes.oauth.control import Control

        info = services.oauth
        self.api = api
        self.uid = uid
        self.issuer: str = info.url
        self.client_id: str = info.client_id
        self.redirect_uri: str = info.redirect_uri
        self.control = Control(info.url, info.control_token)
        self.meta: dict[str, Any] = httpx.get(
            f"{info.url}/.well-known/openid-configuration", trust_env=False, timeout=30
        ).json()
        self._serial = itertools.count(1)
        self.browsers: list[Browser] = []

    def close_browsers(self) -> None:
        for browser in self.browsers:
            browser.close()
        self.browsers.clear()

    def close(self) -> None:
        self.close_browsers()
        self.control.close()

    def person(self, role: str) -> Person:
        n = next(self._serial)
        return Person(
            sub=f"{role}-{self.uid}-{n}",
            email=f"{role}.{self.uid}.{n}@example.com",
            name=f"{role.capitalize()} {self.uid} {n}",
        )

    def browser(self, name: str = "browser", headers: dict[str, str] | None = None) -> Browser:
        made = Browser(self.api, name, headers)
        self.browsers.append(made)
        return made

    # -- the steps -------------------------------------------------------------------------

    def start(self, browser: Browser) -> Start:
        """``GET /login``; it must redirect to the provider's authorization endpoint."""
        resp = browser.get("/login")
        endpoint = self.meta["authorization_endpoint"]
        location = resp.headers.get("location", "")
        expect(
            resp.status_code in REDIRECTS and location.split("?")[0] == endpoint,
            f"expected GET /login to redirect (302) to the provider's authorization endpoint "
            f"{endpoint} (from the discovery document), got {brief(resp)}"
            + (f" with Location {location}" if location else ""),
        )
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        return Start(resp, location, query)

    def authorize(
        self, browser: Browser, start: Start, person: Person, *, decision: str = "allow"
    ) -> str:
        """The browser at the provider, signed in as ``person``: the URL it is sent back to."""
        self.control.sign_in(person.claims(), decision=decision)
        resp = browser.get(start.location)
        location = resp.headers.get("location", "")
        if resp.status_code != 302 or not location.startswith(self.redirect_uri):
            detail = ""
            if resp.status_code == 400:
                detail = f": the provider says {' '.join(resp.text.split())[-300:]!r}"
            raise CheckFailure(
                f"expected the provider to send the browser back to {self.redirect_uri}, got "
                f"{brief(resp)}{detail}"
            )
        query = parse_qs(urlsplit(location).query)
        if "error" in query and decision == "allow":
            why = query.get("error_description", query["error"])[0]
            raise CheckFailure(
                f"the provider refused the authorization request from GET /login: "
                f"{query['error'][0]}: {why}"
            )
        return location

    def code_of(self, callback_url: str) -> str:
        return parse_qs(urlsplit(callback_url).query)["code"][0]

    def new_code(self, browser: Browser, start: Start, person: Person) -> str:
        """Another code for the same authorization request (same state, challenge, nonce)."""
        return self.code_of(self.authorize(browser, start, person))

    def finish(self, browser: Browser, callback_url: str) -> httpx.Response:
        return browser.get(callback_url)

    def me(self, browser: Browser) -> httpx.Response:
        return browser.get("/me")

    def story(self, code: str | None) -> str:
        """What the provider answered the learner's server about ``code``, for messages."""
        if not code:
            return ""
        seen = self.control.token_requests(code)
        if not seen:
            return "; your server never sent this code to the provider's token endpoint"
        last = seen[-1]
        if last["status"] == 200:
            return "; the provider answered your server's token request with 200 (tokens)"
        why = f"{last['error']}: {last['error_description']}" if last["error"] else ""
        return f"; the provider answered your server's token request with {last['status']} {why}"

    def complete(
        self, browser: Browser, start: Start, person: Person, *, stage: str = "login-flow"
    ) -> Login:
        """From the provider on: the browser comes back with a code and must be signed in."""
        callback_url = self.authorize(browser, start, person)
        callback = self.finish(browser, callback_url)
        path = urlsplit(callback_url).path
        expect(
            callback.status_code in (*REDIRECTS, 200, 204),
            f"expected the callback {path}?code=...&state=... to sign {person.email} in (see "
            f"stage {stage}), got {brief(callback)}{self.story(self.code_of(callback_url))}",
        )
        me = self.me(browser)
        expect(
            me.status_code == 200,
            f"expected GET /me to answer 200 right after signing {person.email} in (see stage "
            f"{stage}), got {brief(me)}; {browser.cookies_described()}",
        )
        body = expect_json(me)
        user = expect_field(body, "user", dict)
        csrf = body.get("csrf_token") if isinstance(body, dict) else None
        return Login(callback, callback_url, user, csrf if isinstance(csrf, str) else None, start)

    def sign_in(self, browser: Browser, person: Person, *, stage: str = "login-flow") -> Login:
        """The whole flow, which must succeed: /login, the provider, the callback, GET /me."""
        return self.complete(browser, self.start(browser), person, stage=stage)

    @property
    def callback_path(self) -> str:
        return urlsplit(self.redirect_uri).path

    def refused(self, browser: Browser, resp: httpx.Response, what: str) -> None:
        """A sign-in that must fail: a refusal status, and no signed-in session after it."""
        accepted = " (your server signed the browser in)" if resp.status_code < 400 else ""
        expect(
            resp.status_code in REFUSED,
            f"expected {what} to be refused with 400, 401 or 403, got {brief(resp)}{accepted}",
        )
        me = self.me(browser)
        expect(
            me.status_code == 401,
            f"expected no signed-in session after {what} (GET /me answering 401), got {brief(me)}",
        )

    def csrf_headers(self, login: Login | None) -> dict[str, str]:
        return {CSRF_HEADER: login.csrf} if login and login.csrf else {}


@pytest.fixture(scope="session")
def oidc(api, uid, services) -> Iterator[Oidc]:
    made = Oidc(api, uid, services)
    yield made
    made.close()


@pytest.fixture(autouse=True)
def _fresh_provider(request) -> Iterator[None]:
    """A clean provider log and no leftover faults for each check."""
    if "oidc" not in request.fixturenames:
        yield
        return
    flow: Oidc = request.getfixturevalue("oidc")
    flow.control.reset()
    yield
    flow.control.clear_faults()
    flow.close_browsers()


# -- forging session cookies ------------------------------------------------------------------


def _b64_variants(segment: str) -> Iterator[tuple[bytes, bool]]:
    """``segment`` decoded as base64url or base64 (with whether it was the URL-safe one)."""
    padded = segment + "=" * (-len(segment) % 4)
    for urlsafe in (True, False):
        try:
            raw = (base64.urlsafe_b64decode if urlsafe else base64.b64decode)(padded)
        except (binascii.Error, ValueError):
            continue
        yield raw, urlsafe


def _swap(value: Any, mine: dict[str, Any], theirs: dict[str, Any]) -> tuple[Any, bool]:
    """``value`` (decoded JSON) with each of my identifiers replaced by theirs."""
    if isinstance(value, dict):
        changed = False
        out = {}
        for k, v in value.items():
            out[k], c = _swap(v, mine, theirs)
            changed |= c
        return out, changed
    if isinstance(value, list):
        items = [_swap(v, mine, theirs) for v in value]
        return [v for v, _ in items], any(c for _, c in items)
    if isinstance(value, bool):
        return value, False
    for key, own in mine.items():
        if value == own or (isinstance(own, int) and value == str(own)):
            replaced = theirs[key]
            return (str(replaced) if isinstance(value, str) else replaced), True
    return value, False


def forgeries(cookie: str, mine: dict[str, Any], theirs: dict[str, Any]) -> list[tuple[str, str]]:
    """Session cookie values an attacker would try to become ``theirs``: their id, sub or email
    as the whole value, and ``cookie`` with my identifiers swapped for theirs wherever a part
    of it (split on ``.``) is base64 of JSON."""
    found = [(str(theirs[k]), f"their {k} as the cookie") for k in ("id", "sub", "email")]
    parts = cookie.split(".")
    for i, part in enumerate(parts):
        for raw, urlsafe in _b64_variants(part):
            try:
                decoded = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                continue
            swapped, changed = _swap(decoded, mine, theirs)
            if not changed:
                continue
            data = json.dumps(swapped, separators=(",", ":")).encode()
            encoded = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
            if not part.endswith("="):
                encoded = encoded.rstrip("=")
            forged = ".".join([*parts[:i], encoded, *parts[i + 1 :]])
            found.append((forged, "your cookie with its JSON part edited to name them"))
    for key in ("id", "sub", "email"):
        own, other = str(mine[key]), str(theirs[key])
        if own and len(own) > 3 and own in cookie:
            found.append((cookie.replace(own, other), f"your cookie with their {key} in it"))
    return found


def random_cookie() -> str:
    return secrets.token_urlsafe(24)


class Kit:
    """The helpers above, for graders (graders are loaded with pytest's importlib mode, so they
    cannot import this module)."""

    SESSION_COOKIE = SESSION_COOKIE
    CSRF_HEADER = CSRF_HEADER
    REFUSED = REFUSED
    REDIRECTS = REDIRECTS
    MIN_RANDOM = MIN_RANDOM
    Person = Person
    brief = staticmethod(brief)
    forgeries = staticmethod(forgeries)
    random_cookie = staticmethod(random_cookie)
    parse_set_cookie = staticmethod(parse_set_cookie)


@pytest.fixture(scope="session")
def kit() -> Kit:
    return Kit()

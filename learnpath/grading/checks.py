"""Assertion helpers for graders: each failure is one line saying what was expected and what came.

They raise :class:`CheckFailure` (an ``AssertionError``), so pytest reports a failed check, and
the engine shows its message as is.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    dict: "an object",
    list: "a list",
}


class CheckFailure(AssertionError):
    """A check that failed because of what the learner's server did."""


def _where(resp: httpx.Response) -> str:
    try:
        req = resp.request
    except RuntimeError:
        return ""
    return f" for {req.method} {req.url.raw_path.decode()}"


def _snippet(text: str, n: int = 120) -> str:
    text = " ".join(text.split())
    return repr(text[:n] + ("…" if len(text) > n else ""))


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {_snippet(str(value), 60)}"


def expect(condition: object, message: str) -> None:
    """Fail with ``message`` unless ``condition`` holds."""
    if not condition:
        raise CheckFailure(message)


def expect_status(resp: httpx.Response, status: int | tuple[int, ...]) -> None:
    """``expected status 201 for POST /api/users, got 200: '{"user": …}'``."""
    wanted = (status,) if isinstance(status, int) else status
    if resp.status_code in wanted:
        return
    shown = " or ".join(str(s) for s in wanted)
    body = f": {_snippet(resp.text)}" if resp.content else " (empty body)"
    raise CheckFailure(f"expected status {shown}{_where(resp)}, got {resp.status_code}{body}")


def expect_json(resp: httpx.Response) -> Any:
    """The parsed JSON body (an object or a list), or a failure saying what came back instead."""
    ctype = resp.headers.get("content-type", "").split(";")[0].strip() or "no content-type"
    if not resp.content:
        raise CheckFailure(f"expected a JSON body{_where(resp)}, got an empty body ({ctype})")
    try:
        body = json.loads(resp.content)
    except ValueError:
        raise CheckFailure(
            f"expected a JSON body{_where(resp)}, got {ctype}: {_snippet(resp.text)}"
        ) from None
    if not isinstance(body, (dict, list)):
        raise CheckFailure(f"expected a JSON object or list{_where(resp)}, got {_describe(body)}")
    return body


def expect_field(body: Any, path: str, tp: type | tuple[type, ...] | None = None) -> Any:
    """The value at a dotted ``path`` (``user.token``, ``articles.0.slug``), type-checked."""
    value = body
    walked: list[str] = []
    for part in path.split("."):
        where = ".".join(walked) or "the body"
        if isinstance(value, dict):
            if part not in value:
                keys = ", ".join(sorted(map(str, value))[:10]) or "none"
                raise CheckFailure(f"expected {where} to have a '{part}' field, got keys: {keys}")
            value = value[part]
        elif isinstance(value, list) and part.isdigit():
            if int(part) >= len(value):
                raise CheckFailure(
                    f"expected {where} to have at least {int(part) + 1} items, got {len(value)}"
                )
            value = value[int(part)]
        else:
            raise CheckFailure(f"expected {where} to be an object, got {_describe(value)}")
        walked.append(part)
    if tp is not None:
        types = tp if isinstance(tp, tuple) else (tp,)
        # bool is an int in Python, but not in JSON
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            names = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
            raise CheckFailure(f"expected {path} to be {names}, got {_describe(value)}")
    return value


def expect_equal(actual: Any, expected: Any, what: str) -> None:
    """``expected user.username to be 'bob', got 'alice'``."""
    if actual != expected:
        raise CheckFailure(f"expected {what} to be {expected!r}, got {actual!r}")

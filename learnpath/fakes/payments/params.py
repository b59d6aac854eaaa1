"""Request parameters: JSON or form-encoded bodies (Stripe's ``a[b]=c`` brackets), validated."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from learnpath.fakes.payments.state import ApiError

_BRACKETS = re.compile(r"\[([^\]]*)\]")
_CURRENCY = re.compile(r"[a-zA-Z]{3}")
# Stripe's own ceiling for one amount (in minor units).
MAX_AMOUNT = 99_999_999


def invalid(message: str, param: str | None = None) -> ApiError:
    """A 400 for a parameter that fails validation (never saved under an idempotency key)."""
    return ApiError(400, message, param=param, code="parameter_invalid", save=False)


def parse_body(raw: bytes, content_type: str) -> tuple[dict[str, Any], bool]:
    """The parameters of a request body (a JSON object, or form fields with bracket nesting),
    and whether it was a form (where every value arrives as text)."""
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return {}, False
    if "json" in content_type or (text.startswith("{") and "form" not in content_type):
        try:
            value = json.loads(text)
        except ValueError as err:
            raise invalid(f"Invalid JSON body: {err}") from None
        if not isinstance(value, dict):
            raise invalid("The JSON body must be an object.")
        return value, False
    return parse_form(text), True


def parse_form(text: str) -> dict[str, Any]:
    """Form fields; ``metadata[order]=7`` nests and ``expand[]=x`` appends, as Stripe reads them."""
    result: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        head, _, rest = key.partition("[")
        path = [head, *_BRACKETS.findall("[" + rest)] if rest else [head]
        node: Any = result
        for index, part in enumerate(path):
            last = index == len(path) - 1
            if part == "" and isinstance(node, list):
                node.append(value)
                break
            if not isinstance(node, dict):
                raise invalid(f"Invalid parameter: {key}", key)
            if last:
                node[part] = value
            else:
                following = path[index + 1]
                node = node.setdefault(part, [] if following == "" else {})
    return result


def reject_unknown(params: dict[str, Any], allowed: set[str]) -> None:
    """A 400 naming the first parameter this endpoint does not take (typos surface at once)."""
    for name in params:
        if name not in allowed:
            raise invalid(f"Received unknown parameter: {name}", name)


def amount(value: Any, *, form: bool, param: str = "amount") -> int:
    """A positive whole number of minor units; floats, decimals and words are refused, and so
    are JSON strings (only a form body carries numbers as text)."""
    wrong = f"Invalid integer: {value!r} ({param} is in minor units, e.g. 1999)"
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid(wrong, param)
    if isinstance(value, str):
        if not form:
            raise invalid(f"{wrong}; send a JSON number, not a string", param)
        if not value.isdigit():
            raise invalid(wrong, param)
        value = int(value)
    if value < 1:
        raise invalid(f"{param} must be at least 1 (minor units)", param)
    if value > MAX_AMOUNT:
        raise invalid(f"{param} must be at most {MAX_AMOUNT}", param)
    return value


def currency(value: Any) -> str:
    """A three-letter ISO currency code, lowercased."""
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        raise invalid(f"Invalid currency: {value!r} (a 3-letter ISO code such as usd)", "currency")
    return value.lower()


def metadata(value: Any) -> dict[str, str]:
    """Up to 50 string keys (40 chars) mapped to string values (500 chars); numbers become text."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise invalid("metadata must be an object of string keys and values", "metadata")
    if len(value) > 50:
        raise invalid("metadata can have at most 50 keys", "metadata")
    result: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or len(key) > 40:
            raise invalid(f"Invalid metadata key: {key!r} (1-40 characters)", "metadata")
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise invalid(f"metadata[{key}] must be a string", f"metadata[{key}]")
        text = str(item)
        if len(text) > 500:
            raise invalid(f"metadata[{key}] is longer than 500 characters", f"metadata[{key}]")
        result[key] = text
    return result


def optional_text(params: dict[str, Any], name: str) -> str | None:
    """A string parameter that may be absent."""
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string", name)
    return value


def required_text(params: dict[str, Any], name: str) -> str:
    """A string parameter that must be there."""
    value = optional_text(params, name)
    if not value:
        raise invalid(f"Missing required param: {name}.", name)
    return value


def flag(params: dict[str, Any], name: str) -> bool:
    """A boolean, as JSON true/false or form ``true``/``false``."""
    value = params.get(name, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise invalid(f"Invalid boolean: {value!r}", name)

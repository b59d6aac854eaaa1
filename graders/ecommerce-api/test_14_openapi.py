"""Extension stage openapi: /openapi.json describes the API, and no documented operation 5xxs.

The probe is hand-made and bounded (no fuzzing library): every documented operation gets a
fixed set of hostile inputs, anonymously and as a signed-in customer, and must never answer 5xx.
"""

import re

import pytest

from learnpath.grading.checks import expect, expect_json, expect_status

OPERATIONS = [
    ("get", "/api/health"),
    ("post", "/api/users"),
    ("post", "/api/users/login"),
    ("get", "/api/user"),
    ("get", "/api/products"),
    ("post", "/api/products"),
    ("get", "/api/products/{}"),
    ("put", "/api/products/{}"),
    ("delete", "/api/products/{}"),
    ("get", "/api/cart"),
    ("put", "/api/cart/items/{}"),
    ("delete", "/api/cart/items/{}"),
    ("post", "/api/orders"),
    ("get", "/api/orders"),
    ("get", "/api/orders/{}"),
    ("post", "/api/orders/{}/payment"),
    ("post", "/api/orders/{}/cancel"),
    ("post", "/api/orders/{}/fulfil"),
    ("post", "/api/orders/{}/deliver"),
    ("post", "/api/orders/{}/refunds"),
    ("post", "/webhooks/payments"),
]
METHODS = {"get", "post", "put", "patch", "delete"}
PATH_VALUES = [
    "0",
    "-1",
    "99999999999999999999",
    "abc",
    "%27%3B--",
    "00000000-0000-0000-0000-000000000000",
]
BODIES = [
    b"",
    b"not json",
    b'{"user": null, "product": null, "refund": null, "quantity": null}',
    b'{"user": [], "product": "x", "refund": 1, "quantity": "many"}',
    b'{"user": {"email": 1, "password": []}, "product": {"price": 1e309, "stock": "x"}}',
]
QUERY = {
    "limit": "x",
    "offset": "-5",
    "sort": "drop",
    "minPrice": "1e9999",
    "from": "nope",
    "to": "2026-13-45",
}


def _normalize(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


@pytest.fixture(scope="module")
def document(api):
    resp = api.get("/openapi.json")
    expect_status(resp, 200)
    return expect_json(resp)


@pytest.mark.stage("openapi")
def test_openapi_document_is_valid(document):
    from openapi_spec_validator import validate

    version = str(document.get("openapi", "")) if isinstance(document, dict) else ""
    expect(version.startswith("3."), f"expected an OpenAPI 3 document, got 'openapi': {version!r}")
    try:
        validate(document)
    except Exception as exc:
        message = str(exc).splitlines()[0]
        expect(False, f"expected a valid OpenAPI document, got: {message[:200]}")


@pytest.mark.stage("openapi")
def test_openapi_documents_every_operation(document):
    paths = document.get("paths") if isinstance(document, dict) else None
    expect(isinstance(paths, dict), "expected a 'paths' object in the OpenAPI document")
    documented = {
        (method.lower(), _normalize(path))
        for path, item in paths.items()
        if isinstance(item, dict)
        for method in item
        if method.lower() in METHODS
    }
    missing = [f"{m.upper()} {p}" for m, p in OPERATIONS if (m, p) not in documented]
    expect(
        not missing, f"expected every operation of the contract in the document, missing {missing}"
    )


@pytest.mark.stage("openapi")
def test_no_documented_operation_answers_5xx(api, document, shop):
    user = shop.register("fuzz")
    paths = document.get("paths") or {}
    tried = 0
    for template, item in sorted(paths.items()):
        if not isinstance(item, dict):
            continue
        for method in sorted(m.lower() for m in item if m.lower() in METHODS):
            values = PATH_VALUES if "{" in template else [""]
            bodies = BODIES if method in ("post", "put", "patch") else [None]
            for i, (value, body) in enumerate((v, b) for v in values for b in bodies):
                path = re.sub(r"\{[^}]*\}", value, template)
                # Alternate anonymous and signed-in calls: both must fail cleanly.
                token = user.token if i % 2 else None
                resp = api.request(
                    method.upper(),
                    path,
                    content=body,
                    token=token,
                    headers={"Content-Type": "application/json"} if body is not None else None,
                    params=QUERY if method == "get" else None,
                )
                tried += 1
                who = "signed in" if token else "anonymous"
                expect(
                    resp.status_code < 500,
                    f"expected no 5xx from {method.upper()} {path} ({who}) with body {body!r}, "
                    f"got {resp.status_code}",
                )
    expect(tried > 0, "expected operations to probe in the document, found none")

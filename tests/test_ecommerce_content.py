"""The e-commerce exercise content: its definition, contract and graders hang together (fast)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

from learnpath.content.exercises import GRADER_CHECKS_HEADING, load_all

from .conftest import ROOT

EXERCISE = ROOT / "exercises" / "ecommerce-api"
GRADERS = ROOT / "graders" / "ecommerce-api"
CORE = [
    "health",
    "accounts",
    "catalog",
    "cart",
    "checkout",
    "payment",
    "webhooks",
    "lifecycle",
    "refunds",
    "concurrency",
]
EXTENSIONS = ["persistence", "audit", "sales-report", "openapi"]
# Every route of the contract, as (method, path with "{}" for parameters).
ROUTES = {
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
    ("get", "/api/orders/{}/history"),
    ("get", "/api/admin/reports/sales"),
    ("post", "/webhooks/payments"),
}


@pytest.fixture(scope="module")
def exercise():
    return load_all(ROOT / "exercises")["ecommerce-api"]


@pytest.fixture(scope="module")
def contract() -> dict:
    return yaml.safe_load((EXERCISE / "openapi.yaml").read_text(encoding="utf-8"))


def _stage_marks(node: ast.FunctionDef) -> list[str]:
    return [
        dec.args[0].value
        for dec in node.decorator_list
        if isinstance(dec, ast.Call)
        and isinstance(dec.func, ast.Attribute)
        and dec.func.attr == "stage"
        and dec.args
        and isinstance(dec.args[0], ast.Constant)
    ]


def _grader_tests() -> list[tuple[Path, ast.FunctionDef]]:
    found = []
    for file in sorted(GRADERS.glob("test_*.py")):
        tree = ast.parse(file.read_text(encoding="utf-8"))
        found += [
            (file, n)
            for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
        ]
    return found


def test_definition_declares_the_project(exercise):
    assert exercise.status == "ready"
    assert exercise.level == "intermediate"
    assert exercise.weeks == (21, 22, 23, 24)
    assert exercise.services == ("postgres", "payments")
    assert exercise.service_options == {"payments": {"webhook_path": "/webhooks/payments"}}
    assert exercise.secrets == ("JWT_SECRET", "ADMIN_PASSWORD")
    assert set(exercise.stacks) == {"fastapi", "express", "django"}
    assert [s.id for s in exercise.stages] == CORE + EXTENSIONS
    assert [s.id for s in exercise.stages if s.extension] == EXTENSIONS


def test_every_stage_teaches_and_says_what_is_graded(exercise):
    for stage in exercise.stages:
        assert 2 <= len(stage.hints) <= 4, stage.id
        assert stage.points > 0, stage.id
        headings = [line for line in stage.description.splitlines() if line.startswith("## ")]
        assert headings[-1] == f"## {GRADER_CHECKS_HEADING}", stage.id
        checks = stage.description.split(headings[-1], 1)[1]
        assert checks.count("\n- ") >= 1, f"{stage.id}: list the checks"
        assert stage.week in exercise.weeks, stage.id
    weeks = [s.week for s in exercise.stages]
    assert weeks == sorted(weeks), "stages follow the weeks in order"


def test_core_stage_texts_name_the_pitfalls(exercise):
    text = "\n".join(s.description for s in exercise.stages).lower()
    for pitfall in ("float", "check stock, then write", "raw", "idempotency-key"):
        assert pitfall in text, pitfall


def test_every_stage_has_graders_and_every_grader_names_a_known_stage(exercise):
    from learnpath.content.graders import check_graders

    assert check_graders(exercise) == []
    known = {s.id for s in exercise.stages}
    covered = set()
    for file, node in _grader_tests():
        marks = _stage_marks(node)
        assert len(marks) == 1, f"{file.name}::{node.name} needs exactly one stage mark"
        assert marks[0] in known, f"{file.name}::{node.name} names unknown stage {marks[0]}"
        covered.add(marks[0])
    assert covered == known


def test_contract_is_a_valid_openapi_3_1_document(contract):
    from openapi_spec_validator import validate

    assert str(contract["openapi"]).startswith("3.1")
    validate(contract)


def test_contract_describes_every_route(contract):
    documented = {
        (method, re.sub(r"\{[^}]*\}", "{}", path))
        for path, item in contract["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented == ROUTES


def test_contract_money_is_integer_minor_units(contract):
    schemas = contract["components"]["schemas"]
    assert schemas["Money"]["type"] == "integer"
    for name, field in (("Order", "total"), ("Order", "refundedAmount"), ("Line", "lineTotal")):
        assert schemas[name]["properties"][field] == {"$ref": "#/components/schemas/Money"}
    assert schemas["Product"]["properties"]["currency"] == {"const": "EUR"}


def test_every_stage_has_a_mutant_on_every_stack_with_a_reference():
    """`learnpath check` proves each stage kills what it targets; this asks for one per stack."""
    ex = load_all()["ecommerce-api"]
    have = {
        (doc["stage"], doc["solution"])
        for doc in (yaml.safe_load(f.read_text()) for f in (EXERCISE / "mutants").glob("*.yaml"))
    }
    stacks = sorted(p.name for p in (EXERCISE / "solutions").iterdir() if p.is_dir())
    missing = [(s.id, k) for s in ex.stages for k in stacks if (s.id, k) not in have]
    assert not missing, missing


def test_the_further_mutants_still_apply_to_their_references():
    """mutants/more/ holds further wrong servers (run on demand with --mutants): each still
    names a real stage and applies to its reference exactly once, so it cannot rot unseen."""
    from learnpath.content.mutants import load_mutants

    ex = load_all()["ecommerce-api"]
    more = load_mutants(ex, EXERCISE / "mutants" / "more")
    assert len(more) >= 50
    assert {m.stage for m in more} <= {s.id for s in ex.stages}

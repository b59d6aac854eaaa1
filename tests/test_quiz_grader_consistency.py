"""What the curriculum teaches about the Blog API agrees with what its grader checks.

The grader side is read from the grader's source (``graders/blog-api/test_*.py``): the status
each named test asserts through ``check_error``, ``expect_status`` or ``status_code == N``, also
in the module's helpers it calls. The quiz side is read from the YAML of the weeks whose
``exercises`` include ``blog-api``: each objective and each question's right choice (with its
stem) that names a case below and a status code. One table maps case wording to grader tests.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT

GRADERS = ROOT / "graders" / "blog-api"
CURRICULUM = ROOT / "curriculum"
STATUS = re.compile(r"\b([45]\d\d)\b")


@dataclass(frozen=True)
class Case:
    name: str
    wording: str  # a regex over lower-cased text
    graders: tuple[str, ...]  # grader test functions that check this case


CASES = (
    Case(
        "a taken email or username",
        r"(email|username)[^.;?]{0,40}\b(already|taken|duplicate|in use)\b"
        r"|\b(taken|duplicate|existing) (email|username)|duplicate[- ]key",
        ("test_register_duplicate_email_is_409", "test_register_duplicate_username_is_409"),
    ),
    Case(
        "a blank field",
        r"\b(blank|empty)(?: or missing)? (?:\w+ )?(fields?|email|username|password|title|body)\b",
        ("test_register_blank_field_is_422", "test_blank_field_is_422"),
    ),
    Case(
        "a missing or invalid token",
        r"\b(missing|no|without an?|invalid|expired|tampered|forged)\b[^.;?]{0,20}"
        r"\b(token|jwt|authorization header)|\bexp\b[^.;?]{0,20}\bin the past",
        (
            "test_missing_token_is_401",
            "test_feed_without_token_is_401",
            "test_current_user_rejects_forged_tokens",
        ),
    ),
    Case(
        "someone else's article or comment",
        r"someone else'?s (article|comment)|not the author|(article|comment) (written|posted) by",
        ("test_others_cannot_change_an_article", "test_others_cannot_delete_a_comment"),
    ),
    Case(
        "an unknown article or profile",
        r"\b(unknown|non-?existent|deleted)\b[^.;?]{0,20}\b(article|slug|profile)"
        r"|\b(article|slug|profile)\b[^.;?]{0,30}\b(does not exist|doesn't exist)",
        ("test_unknown_slug_is_404", "test_unknown_profile_is_404"),
    ),
)


# -- the grader side ---------------------------------------------------------------------------


@cache
def _grader_functions() -> dict[str, tuple[ast.FunctionDef, dict[str, ast.FunctionDef]]]:
    """Every function of the grader modules, with the module's functions (for its helpers)."""
    out = {}
    for f in sorted(GRADERS.glob("test_*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        out.update((name, (fn, funcs)) for name, fn in funcs.items())
    return out


def _asserted(fn: ast.FunctionDef, helpers: dict[str, ast.FunctionDef], seen: set[str]) -> set:
    """Status codes ``fn`` (or a helper it calls) asserts."""
    found: set[int] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            code = node.args[1] if len(node.args) >= 2 else None
            if name in ("check_error", "expect_status") and isinstance(code, ast.Constant):
                found.add(code.value)
            if name in helpers and name not in seen:
                seen.add(name)
                found |= _asserted(helpers[name], helpers, seen)
        elif (
            isinstance(node, ast.Compare)
            and getattr(node.left, "attr", "") == "status_code"
            and isinstance(node.ops[0], ast.Eq)
            and isinstance(node.comparators[0], ast.Constant)
        ):
            found.add(node.comparators[0].value)
    return found


def grader_status(test_name: str) -> int:
    """The one error status the grader test ``test_name`` asserts."""
    functions = _grader_functions()
    assert test_name in functions, f"no grader test {test_name} in {GRADERS}"
    fn, helpers = functions[test_name]
    codes = {c for c in _asserted(fn, helpers, {fn.name}) if c >= 400}
    assert len(codes) == 1, f"{test_name} asserts error statuses {sorted(codes)}, expected one"
    return codes.pop()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_case_maps_to_grader_tests_that_agree(case):
    assert len({grader_status(name) for name in case.graders}) == 1


# -- the quiz side -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    where: str  # file:id
    case: Case
    status: int
    text: str


def blog_api_weeks() -> list[tuple[Path, dict]]:
    weeks = []
    for f in sorted(CURRICULUM.rglob("w*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "blog-api" in (doc.get("exercises") or []):
            weeks.append((f, doc))
    return weeks


# "404 for an unknown slug": a status just before the case, tied to it by "for"/"when".
STATUS_BEFORE = re.compile(r"\b([45]\d\d)\b[^;.\d]{0,60}?\b(?:for|when|on|if)\b[^;.\d]{0,30}$")
# "... instead of a 500": a status the text rules out.
NEGATED = re.compile(r"\b(?:instead of|rather than|not|never|nor)(?: an?| the)?\s*$")


def claims_in(text: str, default: int | None = None) -> list[tuple[Case, int]]:
    """(case, status) pairs a text states. A case takes the status tied to it just before
    ("404 for an unknown slug"), else the first status after it in its sentence that the text
    does not rule out ("instead of a 500"), never one beyond another case's wording; else
    ``default`` (the status a question's stem asks about)."""
    out = []
    for sentence in re.split(r"(?<=[.;])\s+", text.lower()):
        marks = sorted(
            (m.start(), m.end(), c) for c in CASES for m in re.finditer(c.wording, sentence)
        )
        for i, (start, end, case) in enumerate(marks):
            if i and marks[i - 1][2] is case:
                continue  # the same case named again ("a taken email ... has already been taken")
            stop = next((s for s, _, c in marks[i + 1 :] if c is not case), len(sentence))
            before = STATUS_BEFORE.search(sentence[:start])
            after = [
                m.group(1)
                for m in STATUS.finditer(sentence, end, stop)
                if not NEGATED.search(sentence[: m.start()])
            ]
            status = before.group(1) if before else (after[0] if after else default)
            if status and (case, int(status)) not in out:
                out.append((case, int(status)))
    return out


def _asked_status(stem: str) -> int | None:
    """The one status a question's stem names, if it names exactly one."""
    codes = {int(m.group(1)) for m in STATUS.finditer(stem)}
    return codes.pop() if len(codes) == 1 else None


def curriculum_claims() -> list[Claim]:
    claims = []
    for f, doc in blog_api_weeks():
        name = f.relative_to(CURRICULUM)
        for i, objective in enumerate(doc.get("objectives") or [], 1):
            claims += [
                Claim(f"{name}:objective {i}", c, s, objective) for c, s in claims_in(objective)
            ]
        for q in doc.get("quiz") or []:
            for choice in q.get("choices") or []:
                if choice.get("correct"):
                    # The stem names the case and the choice the status, or the other way
                    # round ("Which requests get 401?"): read them as one sentence.
                    stem = re.sub(r"[.;]\s+", ", ", q["question"])
                    text = f"{stem} {choice['text']}"
                    found = claims_in(text, _asked_status(stem))
                    claims += [Claim(f"{name}:{q['id']}", c, s, text) for c, s in found]
    return claims


def test_claims_are_found():
    """Guards the reader itself: the blog-api weeks do state status codes for these cases."""
    claims = curriculum_claims()
    assert len(blog_api_weeks()) >= 3
    assert len({c.case.name for c in claims}) >= 3, claims


def test_claim_reader_on_known_sentences():
    assert claims_in("Someone registers with an email that is already taken. Answer 409.") == []
    assert claims_in("A taken email answers 409 instead of a 500; a blank title 422.") == [
        (CASES[0], 409),
        (CASES[1], 422),
    ]
    assert claims_in("Turn a taken email into 422 with 'email has already been taken'.") == [
        (CASES[0], 422)
    ]
    assert claims_in("Answer 404 for an unknown slug, 403 for someone else's article.") == [
        (CASES[4], 404),
        (CASES[3], 403),
    ]
    assert claims_in("Return 401 for a missing, expired or tampered token.") == [(CASES[2], 401)]
    assert claims_in(
        'Answer 422 with {"errors":{"title":["can\'t be blank"]}} for a blank title.'
    ) == [(CASES[1], 422)]
    assert claims_in("Which ones get 401? A request with no Authorization header", 401) == [
        (CASES[2], 401)
    ]


def test_quiz_and_objectives_agree_with_the_grader():
    wrong = [
        f"{c.where}: says {c.status} for {c.case.name}; the grader "
        f"({c.case.graders[0]}) checks {grader_status(c.case.graders[0])}: {c.text[:100]!r}"
        for c in curriculum_claims()
        if c.status != grader_status(c.case.graders[0])
    ]
    assert not wrong, "\n".join(wrong)

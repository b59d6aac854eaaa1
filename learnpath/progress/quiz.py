"""Knowledge checks, pure: shuffle choices by a seed, parse answers, map them back, score.

Choices are shown in an order drawn from a per-attempt seed (stored with the attempt), so the
position of the right answer in the file tells nothing, and a review shows what the learner
saw. Answers are always mapped back to canonical (file-order) choice indices before scoring
and storage. An attempt without a seed (recorded before shuffling existed) was shown in file
order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from learnpath.errors import UsageError
from learnpath.models import Question, Week

QUIZ_PASS = 0.7  # share of correct answers that counts as passing a knowledge check
SEED_RANGE = 100_000  # seeds stay short enough to type (``--seed 4821``)


@dataclass(frozen=True)
class QuizResult:
    score: int
    total: int
    questions: list[dict]  # [{id, question, order, chosen, correct, ok, explanation}]
    attempt_id: int | None = None
    seed: int | None = None
    orders: Mapping[str, list[int]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.total > 0 and self.score / self.total >= QUIZ_PASS


def new_seed() -> int:
    """A fresh seed for one attempt's choice order."""
    import secrets

    return 1 + secrets.randbelow(SEED_RANGE - 1)


def choice_order(question: Question, seed: int | None) -> list[int]:
    """Canonical choice indices in the order shown with ``seed`` (``None``: file order).

    Seeded per question id, so one question's order does not depend on the others (adding a
    question to a week does not reshuffle the rest of a review).
    """
    order = list(range(len(question.choices)))
    if seed is not None:
        random.Random(f"{seed}:{question.id}").shuffle(order)
    return order


def orders(questions: Iterable[Question], seed: int | None) -> dict[str, list[int]]:
    """Per question id: the shown order of its choices (see :func:`choice_order`)."""
    return {q.id: choice_order(q, seed) for q in questions}


def prompt_hint(question: Question) -> str:
    """What the learner is asked for: never how many choices of a multiple answer are right."""
    return "one number" if question.kind == "single" else "choose all that apply, e.g. 1,3"


def parse_answers(text: str, questions: Iterable[Question]) -> dict[str, list[int]]:
    """``"2;1,3;1"`` (1-based choices, ``;`` between questions) -> {question id: [0-based]}.

    The numbers are positions as shown; map them back with :func:`to_canonical`.
    """
    qs = list(questions)
    parts = [p.strip() for p in text.replace("\n", ";").split(";")]
    if parts and parts[-1] == "":
        parts.pop()
    if len(parts) != len(qs):
        raise UsageError(
            f"expected answers to {len(qs)} questions separated by ';' (e.g. \"2;1,3\"), "
            f"got {len(parts)}"
        )
    return {q.id: parse_choice(p, q, i) for i, (q, p) in enumerate(zip(qs, parts, strict=True), 1)}


def parse_choice(text: str, question: Question, number: int = 1) -> list[int]:
    """One answer: ``"2"`` or ``"1,3"`` (1-based) -> sorted 0-based indices."""
    try:
        picked = sorted({int(x) - 1 for x in text.replace(" ", ",").split(",") if x.strip()})
    except ValueError:
        raise UsageError(f"question {number}: '{text}' is not a choice number") from None
    if not picked:
        raise UsageError(f"question {number}: no choice given")
    bad = [p + 1 for p in picked if not 0 <= p < len(question.choices)]
    if bad:
        raise UsageError(
            f"question {number}: choice {bad[0]} does not exist (1-{len(question.choices)})"
        )
    if question.kind == "single" and len(picked) > 1:
        raise UsageError(f"question {number} takes one answer, got {len(picked)}")
    return picked


def to_canonical(
    shown: Mapping[str, Sequence[int]], order: Mapping[str, Sequence[int]]
) -> dict[str, list[int]]:
    """Answers given as shown positions -> canonical (file-order) choice indices."""
    return {qid: sorted(order[qid][i] for i in picks) for qid, picks in shown.items()}


def score_quiz(week: Week, answers: Mapping[str, list[int]], seed: int | None = None) -> QuizResult:
    """Score canonical answers: a question counts when exactly the correct choices were picked.

    Each row also carries ``order``: the choices as they were shown with ``seed``.
    """
    shown = orders(week.quiz, seed)
    rows = []
    for q in week.quiz:
        chosen = sorted(answers.get(q.id, []))
        rows.append(
            {
                "id": q.id,
                "question": q.question,
                "order": shown[q.id],
                "chosen": chosen,
                "correct": sorted(q.answer),
                "ok": frozenset(chosen) == q.answer,
                "explanation": q.explanation,
            }
        )
    return QuizResult(sum(1 for r in rows if r["ok"]), len(rows), rows, None, seed, shown)


def summarize(rows: Iterable[Sequence]) -> dict[str, dict]:
    """Per week id, from (week, attempts, best ratio, last score, last total) rows: attempts,
    best (percent), last ("score/total") and whether the best passed."""
    return {
        week: {
            "attempts": n,
            "best": round(100 * (best or 0), 1),
            "last": f"{last_score}/{last_total}",
            "passed": (best or 0) >= QUIZ_PASS,
        }
        for week, n, best, last_score, last_total in rows
    }

"""Figures that show whether a knowledge check can be passed without knowing anything.

Pure functions over loaded weeks (no I/O): where the right answer sits, whether it is the
longest option, what a learner who knows nothing scores with a simple strategy, and questions
that repeat one of another week. ``learnpath validate`` turns skew into errors with the
thresholds below and prints the figures with ``--coverage``.
"""

from __future__ import annotations

import difflib
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from learnpath.models import Question, Track, Week

# A branch fails when the right answer of its single-answer questions sits in one position
# (A, B, ...) more often than this share: a learner who always picks it would pass.
MAX_POSITION_SHARE = 0.35
# ... or when the right option is strictly the longest more often than this share.
MAX_LONGEST_SHARE = 0.35
# ... or when a zero-knowledge strategy (see STRATEGIES) scores more than this share.
MAX_STRATEGY_SHARE = 0.40
# Below this many single-answer questions a branch is too small for shares to mean much (a
# lone module checked on its own): its skew is reported as warnings, not errors.
MIN_SINGLE_FOR_ERRORS = 10
# "Much longer": the right option is more than this factor longer than every other option.
MUCH_LONGER = 1.3
# Questions of two weeks are near-duplicates when both their texts and their right answers are
# at least this similar (difflib ratio on lower-cased, whitespace-normalised text).
NEAR_DUPLICATE_RATIO = 0.8

STRATEGIES = ("longest", "first", "all", "random")
STRATEGY_HELP = {
    "longest": "the longest option (multiple: every option at least as long as the mean)",
    "first": "the first option (multiple: every option but the last)",
    "all": "every option (single: the first)",
    "random": "a random guess (expected score)",
}
LETTERS = "ABCDEFGHIJ"


@dataclass
class Figures:
    """Quiz figures of a set of questions; add two to combine them."""

    questions: int = 0
    single: int = 0
    multiple: int = 0
    positions: Counter[int] = field(default_factory=Counter)  # right index of single questions
    longest: int = 0  # single questions whose right option is strictly the longest
    much_longer: int = 0  # ... and more than MUCH_LONGER times every other option
    sizes: Counter[str] = field(default_factory=Counter)  # multiple: "k of n" right
    scores: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STRATEGIES, 0.0))

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.questions + other.questions,
            self.single + other.single,
            self.multiple + other.multiple,
            self.positions + other.positions,
            self.longest + other.longest,
            self.much_longer + other.much_longer,
            self.sizes + other.sizes,
            {k: self.scores[k] + other.scores[k] for k in STRATEGIES},
        )

    def position_share(self, index: int) -> float:
        return self.positions[index] / self.single if self.single else 0.0

    def top_position(self) -> tuple[int, float]:
        """The most common right-answer position and its share of single questions."""
        if not self.positions:
            return 0, 0.0
        index, _ = max(self.positions.items(), key=lambda kv: (kv[1], -kv[0]))
        return index, self.position_share(index)

    def longest_share(self) -> float:
        return self.longest / self.single if self.single else 0.0

    def much_longer_share(self) -> float:
        return self.much_longer / self.single if self.single else 0.0

    def score(self, strategy: str) -> float:
        """The share of questions the zero-knowledge ``strategy`` answers right."""
        return self.scores[strategy] / self.questions if self.questions else 0.0

    def as_dict(self) -> dict:
        """The figures as plain data (shares rounded to whole percents)."""
        width = max(self.positions, default=-1) + 1
        return {
            "questions": self.questions,
            "single": self.single,
            "multiple": self.multiple,
            "positions": {LETTERS[i]: self.positions[i] for i in range(max(width, 4))},
            "longest_is_right_percent": _pct(self.longest_share()),
            "much_longer_percent": _pct(self.much_longer_share()),
            "multiple_sizes": dict(sorted(self.sizes.items())),
            "zero_knowledge_percent": {s: _pct(self.score(s)) for s in STRATEGIES},
        }


def _pct(share: float) -> float:
    return round(100 * share, 1)


def question_figures(q: Question) -> Figures:
    """The figures of one question."""
    lengths = [len(c.text) for c in q.choices]
    right = q.answer
    n = len(lengths)
    f = Figures(questions=1)
    if q.kind == "single" and len(right) == 1:
        (i,) = right
        others = [lengths[j] for j in range(n) if j != i]
        f.single = 1
        f.positions[i] = 1
        f.longest = int(all(lengths[i] > x for x in others))
        f.much_longer = int(all(lengths[i] > MUCH_LONGER * x for x in others))
        longest = max(range(n), key=lambda k: lengths[k])
        f.scores.update(longest=float(longest == i), first=float(i == 0), all=float(i == 0))
        f.scores["random"] = 1 / n
    else:
        mean = statistics.mean(lengths)
        f.multiple = 1
        f.sizes[f"{len(right)} of {n}"] = 1
        f.scores.update(
            longest=float({j for j in range(n) if lengths[j] >= mean} == right),
            first=float(set(range(n - 1)) == right),
            all=float(set(range(n)) == right),
            random=1 / (2**n - 1),
        )
    return f


def figures(weeks: Iterable[Week]) -> Figures:
    """The combined figures of every question of ``weeks``."""
    total = Figures()
    for w in weeks:
        for q in w.quiz:
            total = total + question_figures(q)
    return total


def branches(track: Track, weeks: Iterable[Week] | None = None) -> list[tuple[str, list[Week]]]:
    """The track's branches in order: each main-path phase, then each specialization.

    ``weeks`` narrows them to the weeks being checked; branches left empty are dropped.
    """
    keep = None if weeks is None else {id(w) for w in weeks}
    out: list[tuple[str, list[Week]]] = []
    for p in track.phases:
        if p.id != track.specializations_phase:
            out.append((p.id, [w for w in track.weeks if w.phase == p.id]))
    out += [(s.id, list(track.branches.get(s.id, ()))) for s in track.specializations]
    narrowed = [(name, [w for w in ws if keep is None or id(w) in keep]) for name, ws in out]
    return [(name, ws) for name, ws in narrowed if ws]


@dataclass(frozen=True)
class Finding:
    """One lint result: where (a week and a YAML path in it), how bad, and what."""

    week: Week
    path: tuple[str | int, ...]
    message: str
    severity: str = "error"


def check_branch(name: str, weeks: Sequence[Week]) -> list[Finding]:
    """Skew findings for one branch, at its first module: errors when the branch has enough
    single-answer questions for shares to mean something, warnings otherwise."""
    total = figures(weeks)
    per_week = [(w, figures([w])) for w in weeks]
    severity = "error" if total.single >= MIN_SINGLE_FOR_ERRORS else "warning"
    out: list[str] = []
    index, share = total.top_position()
    if share > MAX_POSITION_SHARE:
        out.append(
            f"the right answer is {LETTERS[index]} in {total.positions[index]}/{total.single} "
            f"single-answer questions ({share:.0%}; limit {MAX_POSITION_SHARE:.0%} per position)"
            + _worst(per_week, lambda f: f.position_share(index))
        )
    if total.longest_share() > MAX_LONGEST_SHARE:
        out.append(
            f"the right option is the longest in {total.longest}/{total.single} single-answer "
            f"questions ({total.longest_share():.0%}; limit {MAX_LONGEST_SHARE:.0%})"
            + _worst(per_week, Figures.longest_share)
        )
    for s in STRATEGIES:
        if total.score(s) > MAX_STRATEGY_SHARE:
            out.append(
                f"a zero-knowledge learner choosing {STRATEGY_HELP[s]} scores "
                f"{total.score(s):.0%} (limit {MAX_STRATEGY_SHARE:.0%})"
                + _worst(per_week, lambda f, s=s: f.score(s))
            )
    return [Finding(weeks[0], ("quiz",), f"{name} quiz: {m}", severity) for m in out]


def _worst(per_week: list[tuple[Week, Figures]], share) -> str:
    ranked = sorted(per_week, key=lambda wf: -share(wf[1]))[:3]
    worst = [f"{w.week} ({share(f):.0%})" for w, f in ranked if share(f) > 0]
    return f"; worst weeks: {', '.join(worst)}" if worst else ""


def check_resources(week: Week) -> list[Finding]:
    """A paid resource needs a free one a learner can read instead."""
    paid = [i for i, r in enumerate(week.resources) if r.cost == "paid"]
    free_reading = {"book", "course", "article", "official"}
    if not paid or any(r.cost == "free" and r.type in free_reading for r in week.resources):
        return []
    return [
        Finding(
            week,
            ("resources", paid[0]),
            f"week {week.week} has a paid resource and no free book, course, article or "
            "official documentation",
            "warning",
        )
    ]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


class _Text:
    """A normalised text and a matcher that compares others against it (analysed once)."""

    def __init__(self, text: str):
        self.text = _norm(text)
        self.matcher = difflib.SequenceMatcher(None, "", self.text)

    def length_fits(self, other: _Text) -> bool:
        """The cheapest upper bound of the ratio: from the lengths alone."""
        self.matcher.set_seq1(other.text)
        return self.matcher.real_quick_ratio() >= NEAR_DUPLICATE_RATIO

    def chars_fit(self, other: _Text) -> bool:
        """A tighter upper bound: from the characters the texts share."""
        self.matcher.set_seq1(other.text)
        return self.matcher.quick_ratio() >= NEAR_DUPLICATE_RATIO

    def similar(self, other: _Text) -> bool:
        self.matcher.set_seq1(other.text)
        return self.matcher.ratio() >= NEAR_DUPLICATE_RATIO


def near_duplicates(weeks: Sequence[Week]) -> list[Finding]:
    """Warnings for questions that repeat one of an earlier week on the same learner path
    (same question and same answer); parallel specializations may share questions."""
    items = [
        (w, i, _Text(q.question), _Text(" | ".join(c.text for c in q.choices if c.correct)))
        for w in weeks
        for i, q in enumerate(w.quiz)
    ]
    out = []
    for b, (wb, ib, qb, rb) in enumerate(items):
        for wa, ia, qa, ra in items[:b]:
            # Cheap bounds first: most pairs stop long before the costly matching.
            if _apart(wa, wb) or not all(
                check(x, y)
                for check in (_Text.length_fits, _Text.chars_fit, _Text.similar)
                for x, y in ((rb, ra), (qb, qa))
            ):
                continue
            out.append(
                Finding(
                    wb,
                    ("quiz", ib, "question"),
                    f"question '{wb.quiz[ib].id}' repeats '{wa.quiz[ia].id}' of week "
                    f"{_where(wa)} (same question and answer)",
                    "warning",
                )
            )
            break  # one finding per question: the first week it repeats
    return out


def _apart(a: Week, b: Week) -> bool:
    """Whether no learner meets both weeks' questions as repeats: the same week, or two
    different specializations."""
    return a is b or bool(
        a.specialization and b.specialization and a.specialization != b.specialization
    )


def _where(w: Week) -> str:
    return f"{w.week} ({w.specialization})" if w.specialization else str(w.week)


def lint(track: Track, weeks: Sequence[Week] | None = None) -> list[Finding]:
    """Every finding for ``weeks`` of ``track`` (default: all of them)."""
    selected = list(weeks) if weeks is not None else track.all_weeks()
    out: list[Finding] = []
    for name, ws in branches(track, selected):
        out += check_branch(name, ws)
    for w in selected:
        out += check_resources(w)
    out += near_duplicates(selected)
    return out


def report(track: Track, weeks: Sequence[Week] | None = None) -> list[dict]:
    """The figures as rows: the whole track, each branch, each week (for ``--coverage``)."""
    selected = list(weeks) if weeks is not None else track.all_weeks()
    rows = [{"track": track.id, "branch": None, "week": None, **figures(selected).as_dict()}]
    for name, ws in branches(track, selected):
        rows.append({"track": track.id, "branch": name, "week": None, **figures(ws).as_dict()})
        rows += [
            {"track": track.id, "branch": name, "week": w.week, **figures([w]).as_dict()}
            for w in ws
        ]
    return rows

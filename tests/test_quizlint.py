"""The knowledge-check lint: figures, thresholds, and how ``learnpath validate`` reports them.

Fixture tracks are written to temporary folders: a skewed one must fail, a balanced one pass.
"""

from __future__ import annotations

import json
import random
import re
import string
from pathlib import Path

import pytest

from learnpath.content import quizlint
from learnpath.models import Choice, Question

from .conftest import FIXTURES

LENGTH = 40  # characters of every option of a balanced question


def _option(seed: str, width: int = LENGTH) -> str:
    """Text of ``width`` characters that no other seed's text resembles."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_lowercase + " ") for _ in range(width))


def skewed_question(k: int) -> dict:
    """Right answer always B and twice as long as the others: guessable without knowledge."""
    return {
        "id": f"q{k}",
        "kind": "single",
        "question": _option(f"skewed {k}") + "?",
        "choices": [
            {"text": _option(f"wrong a{k}", 20)},
            {"text": _option(f"right b{k}", 60), "correct": True},
            {"text": _option(f"wrong c{k}", 20)},
            {"text": _option(f"wrong d{k}", 20)},
        ],
        "explanation": "Because.",
    }


def balanced_question(k: int) -> dict:
    """Right answer rotating over A-D, options of one length; every fifth is multiple."""
    if k % 5 == 4:
        right = [{0}, {0, 1, 2, 3}, {1, 3}][k % 3]
        kind = "multiple"
    else:
        right = {k % 4}
        kind = "single"
    return {
        "id": f"q{k}",
        "kind": kind,
        "question": _option(f"balanced {k}") + "?",
        "choices": [
            {"text": _option(f"statement {j} of {k}"), "correct": j in right} for j in range(4)
        ],
        "explanation": "Because.",
    }


def _module(week: int, questions: list[dict], resources: list[dict] | None = None) -> dict:
    return {
        "format_version": 1,
        "id": f"w{week:02d}",
        "week": week,
        "phase": "basics",
        "title": f"Week {week}",
        "summary": "A week.",
        "hours": 10,
        "objectives": ["One.", "Two.", "Three."],
        "topics": [{"id": f"t{week}-{i}", "title": f"Topic {i}"} for i in range(3)],
        "resources": resources
        or [
            {"title": "Docs", "url": f"https://example.org/docs/{week}", "type": "official"},
            {"title": "Article", "url": f"https://example.org/a/{week}", "type": "article"},
        ],
        "quiz": questions,
    }


def make_track(root: Path, make_question, weeks: int = 4, per_week: int = 4) -> Path:
    """A one-phase track of ``weeks`` modules in ``root/quiztrack``; returns ``root`` (where its
    roadmaps are)."""
    track = root / "quiztrack"
    track.mkdir(parents=True)
    (root / "roadmaps").mkdir()
    (root / "roadmaps" / "mini.json").write_text(
        (FIXTURES / "mini" / "roadmaps" / "mini.json").read_text()
    )
    (track / "track.yaml").write_text(
        json.dumps(
            {
                "format_version": 1,
                "id": "quiztrack",
                "title": "Quiz track",
                "summary": "For the lint.",
                "roadmap": "mini",
                "phases": [{"id": "basics", "title": "Basics", "weeks": [1, weeks]}],
            }
        )
    )
    for w in range(1, weeks + 1):
        qs = [make_question((w - 1) * per_week + i) for i in range(per_week)]
        (track / f"w{w:02d}.yaml").write_text(json.dumps(_module(w, qs), indent=1))
    return root


def _q(lengths: list[int], right: set[int], kind: str = "single") -> Question:
    choices = tuple(Choice("y" * n, i in right) for i, n in enumerate(lengths))
    return Question("q", kind, "Q?", choices, "E.")  # type: ignore[arg-type]


def test_single_question_figures():
    f = quizlint.question_figures(_q([10, 30, 10, 12], {1}))
    assert (f.single, f.multiple, f.positions[1], f.longest, f.much_longer) == (1, 0, 1, 1, 1)
    assert f.scores == {"longest": 1.0, "first": 0.0, "all": 0.0, "random": 0.25}
    g = quizlint.question_figures(_q([10, 12, 10, 12], {0}))
    assert (g.longest, g.much_longer) == (0, 0)
    assert g.scores == {"longest": 0.0, "first": 1.0, "all": 1.0, "random": 0.25}


def test_multiple_question_figures():
    f = quizlint.question_figures(_q([30, 30, 30, 5], {0, 1, 2}, "multiple"))
    assert f.sizes == {"3 of 4": 1}
    assert f.scores == {"longest": 1.0, "first": 1.0, "all": 0.0, "random": 1 / 15}
    every = quizlint.question_figures(_q([5, 5, 5], {0, 1, 2}, "multiple"))
    assert every.scores["all"] == 1.0 and every.scores["first"] == 0.0


def test_skewed_branch_gives_one_error_per_figure_at_its_first_module(tmp_path):
    from learnpath.content import curriculum, validation

    track_dir = make_track(tmp_path, skewed_question)
    tracks, _ = curriculum.validate_paths([track_dir])
    diags = validation.lint_diagnostics(tracks, [track_dir])
    errors = [d for d in diags if d.severity == "error"]
    messages = "\n".join(d.message for d in errors)
    assert {Path(d.file).name for d in errors} == {"w01.yaml"}
    assert "right answer is B in 16/16 single-answer questions (100%; limit 35%" in messages
    assert "right option is the longest in 16/16 single-answer questions (100%; limit 35%)" in (
        messages
    )
    assert "choosing the longest option" in messages and "(limit 40%)" in messages
    assert "worst weeks: 1 (100%), 2 (100%), 3 (100%)" in messages
    assert len(errors) == 3  # position, longest, the longest strategy


def test_balanced_branch_passes(tmp_path):
    from learnpath.content import curriculum, validation

    track_dir = make_track(tmp_path, balanced_question, weeks=3, per_week=5)
    tracks, _ = curriculum.validate_paths([track_dir])
    assert validation.lint_diagnostics(tracks, [track_dir]) == []
    fig = quizlint.figures(tracks["quiztrack"].all_weeks())
    assert fig.single == 12 and fig.multiple == 3
    assert max(fig.position_share(i) for i in range(4)) <= quizlint.MAX_POSITION_SHARE
    assert all(fig.score(s) <= quizlint.MAX_STRATEGY_SHARE for s in quizlint.STRATEGIES)


def test_few_questions_give_warnings_not_errors(tmp_path):
    from learnpath.content import curriculum, validation

    track_dir = make_track(tmp_path, skewed_question, weeks=2, per_week=4)
    tracks, _ = curriculum.validate_paths([track_dir])
    diags = validation.lint_diagnostics(tracks, [track_dir])
    assert diags and {d.severity for d in diags} == {"warning"}


def test_validate_fails_a_skewed_track_and_passes_a_balanced_one(cli, tmp_path):
    skewed = make_track(tmp_path / "s", skewed_question)
    result = cli("learnpath", "validate", str(skewed), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    where = re.escape(str(Path("s/quiztrack/w01.yaml")))
    assert len(lines) == 3
    assert all(re.match(where + r":\d+:\d+: error: basics quiz: ", line) for line in lines)

    balanced = make_track(tmp_path / "b", balanced_question, weeks=3, per_week=5)
    ok = cli("learnpath", "validate", str(balanced), cwd=tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("ok: 1 track(s), 3 weeks")


def test_a_lone_module_of_a_skewed_track_only_warns(cli, tmp_path):
    skewed = make_track(tmp_path, skewed_question)
    result = cli("learnpath", "validate", str(skewed / "quiztrack" / "w02.yaml"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(
        r"w02.yaml:\d+:\d+: warning: basics quiz: the right answer is B in 4/4", result.stdout
    )
    assert "w01.yaml" not in result.stdout


def test_coverage_prints_quiz_figures_per_track_branch_and_week(cli, tmp_path):
    track_dir = make_track(tmp_path, balanced_question, weeks=3, per_week=5)
    text = cli("learnpath", "validate", str(track_dir), "--coverage", cwd=tmp_path)
    assert text.returncode == 0, text.stdout + text.stderr
    assert (
        "quiz quiztrack · all: 15 questions (12 single, 3 multiple) · right answer A 25% B 25% "
        "C 25% D 25% · longest is right 0% (>30% longer 0%) · multiple right 1 of 4: 1, "
        "2 of 4: 1, 4 of 4: 1 · zero-knowledge longest 26.7% first 20% all 26.7% random "
    ) in text.stdout
    assert "quiz quiztrack · basics · week 2: 5 questions" in text.stdout
    js = cli("learnpath", "validate", str(track_dir), "--coverage", "-f", "json", cwd=tmp_path)
    doc = json.loads(js.stdout)
    assert [(r["branch"], r["week"]) for r in doc["quiz"]] == [
        (None, None),
        ("basics", None),
        ("basics", 1),
        ("basics", 2),
        ("basics", 3),
    ]
    assert doc["quiz"][0]["positions"] == {"A": 3, "B": 3, "C": 3, "D": 3}
    assert doc["warnings"] == [] and doc["ok"] is True


def test_paid_resource_without_a_free_reading_warns():
    from learnpath.models import Resource

    week = _week_with(
        resources=(
            Resource("DDIA", "https://example.org/ddia", "book", "paid"),
            Resource("Talk", "https://example.org/talk", "video"),
        )
    )
    (finding,) = quizlint.check_resources(week)
    assert finding.severity == "warning" and finding.path == ("resources", 0)
    assert "paid resource and no free book, course, article or official" in finding.message
    free = _week_with(
        resources=(
            Resource("DDIA", "https://example.org/ddia", "book", "paid"),
            Resource("Free chapter", "https://example.org/ch1", "article"),
        )
    )
    assert quizlint.check_resources(free) == []


def test_near_duplicates_across_weeks_are_warnings():
    q = _q([20, 20, 20], {2})
    same = Question("again", "single", "  q? ", q.choices, "E.")
    other = Question("other", "single", "Something else entirely?", q.choices, "E.")
    a, b = _week_with(number=1, quiz=(q,)), _week_with(number=2, quiz=(other, same))
    (finding,) = quizlint.near_duplicates([a, b])
    assert finding.week is b and finding.path == ("quiz", 1, "question")
    assert finding.message == "question 'again' repeats 'q' of week 1 (same question and answer)"
    # Parallel specializations never meet each other's questions; a main-path week they do.
    left, right = (_week_with(number=3, quiz=(same,), specialization=s) for s in ("l", "r"))
    assert quizlint.near_duplicates([left, right]) == []
    assert [f.week for f in quizlint.near_duplicates([a, left, right])] == [left, right]


def _week_with(number: int = 1, **fields):
    from learnpath.models import Resource, Topic, Week

    base = {
        "format_version": 1,
        "id": f"w{number}",
        "week": number,
        "phase": "basics",
        "title": "W",
        "summary": "S",
        "hours": 5.0,
        "objectives": ("a", "b", "c"),
        "topics": (Topic("t1", "T"),),
        "resources": (Resource("R", "https://example.org", "official"),),
        "quiz": (),
    }
    return Week(**{**base, **fields})


@pytest.mark.parametrize("name", ["MAX_POSITION_SHARE", "MAX_LONGEST_SHARE", "MAX_STRATEGY_SHARE"])
def test_thresholds_are_the_documented_ones(name):
    assert getattr(quizlint, name) == {"MAX_STRATEGY_SHARE": 0.40}.get(name, 0.35)

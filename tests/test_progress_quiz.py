"""Knowledge checks that cannot be gamed by position: choices shuffled per attempt by a stored
seed, answers mapped back to the file's choices, reviews in the order the learner saw."""

from __future__ import annotations

import json
import re

import pytest

from learnpath import store
from learnpath.content import curriculum
from learnpath.models import Choice, Question
from learnpath.progress import quiz, transfer
from learnpath.progress.repository import Repository


@pytest.fixture(autouse=True)
def _fresh_connections():
    store.close_all()
    yield
    store.close_all()


def _question(n: int = 4, kind: str = "single", qid: str = "q") -> Question:
    choices = tuple(Choice(f"choice {i}", correct=i == 2) for i in range(n))
    return Question(id=qid, kind=kind, question="?", choices=choices, explanation="because")  # type: ignore[arg-type]


def test_same_seed_same_order_different_seeds_different_orders():
    q = _question()
    assert quiz.choice_order(q, 4821) == quiz.choice_order(q, 4821)
    seen = {tuple(quiz.choice_order(q, seed)) for seed in range(1, 9)}
    assert len(seen) >= 4, f"8 seeds drew only {len(seen)} orders of 4 choices"
    assert all(sorted(order) == [0, 1, 2, 3] for order in seen)
    # Where the right choice lands moves with the seed: its file position tells nothing.
    assert len({order.index(2) for order in seen}) >= 3
    assert quiz.choice_order(q, None) == [0, 1, 2, 3], "no seed: the file order (old attempts)"


def test_answers_as_shown_are_mapped_back_to_the_file_choices():
    single, multiple = _question(qid="a"), _question(kind="multiple", qid="b")
    orders = quiz.orders([single, multiple], 77)
    # The learner picks the positions where the right choice (file index 2) was shown.
    shown = {"a": [orders["a"].index(2)], "b": [orders["b"].index(0), orders["b"].index(2)]}
    assert quiz.to_canonical(shown, orders) == {"a": [2], "b": [0, 2]}


def test_multiple_answer_prompts_never_say_how_many():
    hint = quiz.prompt_hint(_question(kind="multiple"))
    assert "all that apply" in hint
    assert not re.search(r"\b(two|three|2|3) (answers|choices)\b", hint)


def _mini_week(mini):
    return curriculum.load_track("mini").find_week(1)


def test_a_seeded_attempt_is_scored_stored_canonically_and_reviewed_as_shown(mini, home):
    from io import StringIO

    from rich.console import Console

    from learnpath.cli.progress_cmds import show_review, take_quiz

    track = curriculum.load_track("mini")
    week = track.find_week(1)
    seed = next(s for s in range(1, 50) if quiz.choice_order(week.quiz[1], s) != [0, 1, 2])
    orders = quiz.orders(week.quiz, seed)
    right = [sorted(orders[q.id].index(c) + 1 for c in q.answer) for q in week.quiz]
    answers = ";".join(",".join(map(str, r)) for r in right)
    out = Console(file=StringIO(), width=100, no_color=True)
    result = take_quiz(out, Repository(store.writer()), track, week, answers, seed=seed)
    assert result is not None and result.score == result.total == 3
    row = store.open_store().rows("SELECT answers, seed FROM quiz_attempts")[0]  # type: ignore[union-attr]
    assert row["seed"] == seed
    assert json.loads(row["answers"]) == {q.id: sorted(q.answer) for q in week.quiz}
    # The review numbers the choices as the learner saw them.
    review = Console(file=StringIO(), width=100, no_color=True)
    show_review(review, Repository(store.reader()), track, week)
    text = review.file.getvalue()  # type: ignore[attr-defined]
    assert f"seed {seed}" in text
    q2 = week.quiz[1]
    picked = "; ".join(
        f"{n}) {q2.choices[c].text}" for n, c in enumerate(orders[q2.id], 1) if c in q2.answer
    )
    assert f"your answer: {picked}" in text


def test_export_and_import_carry_the_seed(mini, home):
    track = curriculum.load_track("mini")
    week = track.find_week(1)
    repo = Repository(store.writer())
    repo.add_quiz_attempt(
        track.id, week.id, score=1, total=3, answers={"q1": [1]}, seed=4821, ts=1_700_000_000.0
    )
    doc = transfer.export_data(repo)
    assert doc["quiz_attempts"][0]["seed"] == 4821
    transfer.reset(repo, home / "backups")
    assert transfer.import_data(Repository(store.writer()), doc)["quiz_attempts"] == 1
    assert Repository(store.reader()).last_quiz_attempt(track.id, week.id)["seed"] == 4821  # type: ignore[index]
    doc["quiz_attempts"][0]["seed"] = "abc"
    with pytest.raises(Exception, match="'seed' must be a whole number or null"):
        transfer.import_data(Repository(store.writer()), doc)


def test_quiz_show_prints_a_seeded_order_and_seed_answers_it(cli, mini):
    shown = cli("learnpath", "quiz", "1", "--track", "mini", "--show", "--seed", "12")
    assert shown.returncode == 0, shown.stderr
    assert "(seed 12)" in shown.stdout
    assert "Which are HTTP methods? (choose all that apply)" in shown.stdout
    assert "--seed 12 --answers" in shown.stdout
    week = curriculum.load_track("mini").find_week(1)
    orders = quiz.orders(week.quiz, 12)
    right = [sorted(orders[q.id].index(c) + 1 for c in q.answer) for q in week.quiz]
    answers = ";".join(",".join(map(str, r)) for r in right)
    taken = cli("learnpath", "quiz", "1", "--track", "mini", "--seed", "12", "--answers", answers)
    assert taken.returncode == 0, taken.stderr
    assert "Score: 3/3" in taken.stdout and "seed 12" in taken.stdout
    review = cli("learnpath", "quiz", "1", "--track", "mini", "--review")
    assert review.returncode == 0, review.stderr
    assert "seed 12" in review.stdout


def test_a_prompted_attempt_draws_its_own_order_and_never_says_how_many(mini, monkeypatch):
    from io import StringIO

    from rich.console import Console
    from rich.prompt import Prompt

    from learnpath.cli.progress_cmds import take_quiz

    track = curriculum.load_track("mini")
    week = track.find_week(1)
    monkeypatch.setattr(quiz, "new_seed", lambda: 9)
    orders = quiz.orders(week.quiz, 9)
    replies = iter(
        ",".join(str(orders[q.id].index(c) + 1) for c in sorted(q.answer)) for q in week.quiz
    )
    asked: list[str] = []

    def ask(prompt: str, **_: object) -> str:
        asked.append(prompt)
        return next(replies)

    monkeypatch.setattr(Prompt, "ask", ask)
    out = Console(file=StringIO(), width=100, no_color=True)
    result = take_quiz(out, Repository(store.writer()), track, week)
    assert result is not None and result.score == 3 and result.seed == 9
    text = out.file.getvalue()  # type: ignore[attr-defined]
    assert "choices shuffled: seed 9" in text
    assert "Which are HTTP methods? (choose all that apply)" in text
    assert "Your answer (choose all that apply, e.g. 1,3)" in asked
    row = store.open_store().rows("SELECT seed FROM quiz_attempts")[0]  # type: ignore[union-attr]
    assert row["seed"] == 9

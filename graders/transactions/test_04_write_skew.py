"""Stage write-skew: the on-call rota. A doctor may leave only if another doctor of the same
shift stays on call; two doctors leaving at once must not both get away with it.

Each leave reads the other doctors' rows and writes only its own: no row is written twice, so
row locks taken by the writes alone never meet, and READ COMMITTED or REPEATABLE READ let both
leaves commit. During the race the grader holds its write gate: every write to doctors waits,
inside its transaction and after the reads that decided it, until every process is blocked;
then the grader lets go. By then a program that counted without a lock has counted the old rota
in every process, whatever the speed of the machine.
"""

import random
from dataclasses import dataclass

import pytest
from conftest import Doctor, Ids, doctor, expect_all_answered

from learnpath.grading.checks import expect

HINT = (
    "Run the leave at SERIALIZABLE and retry the whole transaction on SQLSTATE 40001, or lock "
    "the rows the rule reads (SELECT ... FROM doctors WHERE shift = :shift AND on_call "
    "FOR UPDATE) before counting."
)


@dataclass
class Rules:
    """The doctors of the one-at-a-time check."""

    busy: str
    thin: str
    lone: str
    x: list[Doctor]  # three on call in shift busy
    x_off: Doctor
    y_on: Doctor  # the only one on call in shift thin
    y_off: list[Doctor]
    z_on: Doctor  # the only doctor of shift lone

    @property
    def doctors(self) -> list[Doctor]:
        return [*self.x, self.x_off, self.y_on, *self.y_off, self.z_on]


@dataclass
class Race:
    """The doctors of the concurrent check: shift -> its doctors on call, and everyone."""

    rng: random.Random
    shifts: dict[str, list[Doctor]]
    doctors: list[Doctor]
    untouched: list[Doctor]


@pytest.fixture(scope="module")
def rota(bank):
    """One database for the stage: the rules' shifts and the race's shifts, apart."""
    ids = Ids(bank.rng("rota:ids"))
    rng = bank.rng("rules")
    busy, thin, lone = (f"ward-{n}" for n in rng.sample(range(100, 1000), 3))
    rules = Rules(
        busy,
        thin,
        lone,
        x=[doctor(ids, busy, True) for _ in range(3)],
        x_off=doctor(ids, busy, False),
        y_on=doctor(ids, thin, True),
        y_off=[doctor(ids, thin, False) for _ in range(2)],
        z_on=doctor(ids, lone, True),
    )
    rng = bank.rng("skew")
    shifts: dict[str, list[Doctor]] = {}
    everyone: list[Doctor] = []
    for i, size in enumerate((2, 2, 2, 3)):
        shift = f"shift-{rng.randrange(1000, 9999)}-{i}"
        on = [doctor(ids, shift, True) for _ in range(size)]
        off = [doctor(ids, shift, False) for _ in range(rng.randrange(1, 3))]
        shifts[shift] = on
        everyone += on + off
    untouched = [doctor(ids, "shift-untouched", True) for _ in range(2)]
    race = Race(rng, shifts, everyone + untouched, untouched)
    return bank.open("rota", doctors=rules.doctors + race.doctors), rules, race


@pytest.mark.stage("write-skew")
def test_leave_rules(rota):
    """One at a time: a doctor leaves only while another of the shift stays on call.

    The last one on call is refused (last_on_call) even with colleagues off call;
    not_on_call and unknown_doctor are refused; refusals change nothing."""
    b, r, _ = rota
    expected = {d.id: d.on_call for d in r.doctors}

    def rows():
        now = b.on_call()
        return {k: now.get(k) for k in expected}

    def refused(error, who, why):
        b.expect_refused(error, "leave", who, why=why)
        expect(
            rows() == expected,
            f"expected the refused `leave {who}` to change nothing in doctors, got "
            f"{rows()}. {b.repro(['leave', who])}",
        )

    refused(
        "last_on_call",
        r.y_on.id,
        f"the only doctor of shift {r.thin} on call; its other doctors are off call",
    )
    refused("last_on_call", r.z_on.id, f"the only doctor of shift {r.lone}")
    refused("not_on_call", r.y_off[0].id, "that doctor is not on call")
    refused("unknown_doctor", f"d-nobody-{r.busy}", "no such doctor")
    for d in r.x[:2]:
        b.expect_ok("leave", d.id)
        expected[d.id] = False
        expect(
            rows() == expected,
            f"expected `leave {d.id}` to set only its on_call to false; doctors now: "
            f"{rows()}. {b.repro(['leave', d.id])}",
        )
    refused("last_on_call", r.x[2].id, f"the last of shift {r.busy}'s doctors on call")


@pytest.mark.stage("write-skew")
def test_concurrent_leaves_keep_one_on_call(rota):
    """All doctors on call in four shifts leave at once: exactly one per shift stays.

    The others' leaves succeed, and no process ends in an error."""
    b, _, race = rota
    shifts = race.shifts
    commands = [("leave", d.id) for on in shifts.values() for d in on]
    race.rng.shuffle(commands)
    outcomes = b.race(commands, hold=[("writes", ())])
    first = next(iter(shifts.values()))
    repro = (
        f"Reproduce it with two psql sessions, each: BEGIN; count the other doctors of the "
        f"shift on call; UPDATE your own row; COMMIT (as `leave {first[0].id}` and "
        f"`leave {first[1].id}`)."
    )
    expect_all_answered(
        outcomes,
        "concurrent leaves",
        "A serialization failure (40001) must be retried, a bounded number of times.",
        repro,
    )
    odd = [o for o in outcomes if not o.ok and o.error != "last_on_call"]
    expect(
        not odd,
        "expected each concurrent leave to succeed or be refused with last_on_call, got "
        f"{'; '.join(o.brief() for o in odd[:3])}",
    )
    on_call = b.on_call()
    for shift, on in shifts.items():
        staying = [d.id for d in on if on_call[d.id]]
        left = [o for o in outcomes if o.ok and o.args[1] in {d.id for d in on}]
        expect(
            len(staying) == 1,
            f"expected exactly one of shift {shift}'s {len(on)} doctors to stay on call when "
            f"all of them left at once, {len(staying)} did ({len(left)} leaves reported "
            f"success){': nobody is on call — write skew' if not staying else ''}. "
            f"{HINT} {repro}",
        )
        reported = {o.args[1] for o in left}
        gone = {d.id for d in on if not on_call[d.id]}
        expect(
            reported == gone,
            f"expected the doctors whose leave succeeded ({sorted(reported)}) to be exactly the "
            f"ones now off call in shift {shift} ({sorted(gone)})",
        )
    expect(
        all(on_call[d.id] for d in race.untouched),
        "expected the doctors of a shift nobody touched to stay on call",
    )

"""Shared set-up for the library schema (schema-design) graders.

Every check gets a fresh, empty PostgreSQL database and applies the learner's migration files
to it (each file in one transaction, as a migration tool does). The grader then inserts rows
with the table and column names BRIEF.md fixes, never an id (the database generates them), and
compares what comes back with what it inserted: the data is random per run (``uid``), with
NULLs, repeated names and dates, so a schema that only fits one example fails.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from learnpath.grading.checks import CheckFailure, expect

FILES = {
    "001 up": "migrations/001_initial.up.sql",
    "001 down": "migrations/001_initial.down.sql",
    "002 up": "migrations/002_publishers.up.sql",
    "002 down": "migrations/002_publishers.down.sql",
}
SEED = "the grader's INSERT of valid data from BRIEF.md"

# The tables of 001 and their columns: (type family, required).
TABLES_001: dict[str, dict[str, tuple[str, bool]]] = {
    "genres": {"code": ("text", True), "label": ("text", True)},
    "books": {
        "id": ("integer", True),
        "isbn": ("text", True),
        "title": ("text", True),
        "genre_code": ("text", True),
        "published_year": ("integer", False),
        "publisher": ("text", True),
    },
    "authors": {"id": ("integer", True), "full_name": ("text", True)},
    "book_authors": {"book_id": ("integer", True), "author_id": ("integer", True)},
    "copies": {"id": ("integer", True), "book_id": ("integer", True), "barcode": ("text", True)},
    "members": {
        "id": ("integer", True),
        "email": ("text", True),
        "full_name": ("text", True),
        "joined_on": ("date", True),
    },
    "loans": {
        "id": ("integer", True),
        "copy_id": ("integer", True),
        "member_id": ("integer", True),
        "loaned_on": ("date", True),
        "due_on": ("date", True),
        "returned_on": ("date", False),
    },
}
TYPE_FAMILIES = {
    "text": {"text", "character varying", "character", "citext"},
    "integer": {"integer", "bigint", "smallint"},
    "date": {"date"},
}

GENRES = [
    ("Science fiction", "sf"),
    ("History", "hist"),
    ("Crime", "crime"),
    ("Poetry", "poetry"),
    ("Cookery", "cook"),
    ("Travel", "travel"),
    ("Fantasy", "fantasy"),
    ("Biography", "bio"),
]
TITLE_WORDS = [
    "River",
    "Glass",
    "Winter",
    "Orchard",
    "Lantern",
    "Harbour",
    "Atlas",
    "Copper",
    "Silent",
    "Paper",
    "Northern",
    "Garden",
    "Storm",
    "Letters",
    "Salt",
    "Clockwork",
    "Meadow",
    "Island",
    "Ember",
    "Quiet",
]
FIRST = [
    "Ada",
    "Bruno",
    "Chidi",
    "Dana",
    "Elif",
    "Farah",
    "Goran",
    "Hana",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
]
AUTHOR_LAST = [
    "Quill",
    "Marlowe",
    "Achebe",
    "Varga",
    "Okonkwo",
    "Lindqvist",
    "Serrano",
    "Tanaka",
    "Abernathy",
]
MEMBER_LAST = [
    "Brook",
    "Fenn",
    "Holloway",
    "Ashdown",
    "Pike",
    "Rowan",
    "Thistle",
    "Wren",
    "Calder",
    "Moss",
]
# Two names differing only in letter case, one with accents, one with an apostrophe.
PUBLISHERS = ["Orbit", "ORBIT", "Éditions du Seuil", "O'Reilly Media", "Faber & Faber", "Picador"]


@dataclass
class Book:
    isbn: str
    title: str
    genre: str
    year: int | None
    publisher: str


@dataclass
class Loan:
    copy: int
    member: int
    loaned_on: dt.date
    due_on: dt.date
    returned_on: dt.date | None


@dataclass
class Seed:
    """Everything a randomized library put in the database, by the ids it got back."""

    today: dt.date
    genres: dict[str, str] = field(default_factory=dict)  # code -> label
    authors: dict[int, str] = field(default_factory=dict)
    books: dict[int, Book] = field(default_factory=dict)
    listings: set[tuple[int, int]] = field(default_factory=set)  # (book_id, author_id)
    copies: dict[int, tuple[int, str]] = field(default_factory=dict)  # id -> (book, barcode)
    members: dict[int, tuple[str, str, dt.date]] = field(default_factory=dict)
    loans: dict[int, Loan] = field(default_factory=dict)
    # What set-up defaulted: a left-out joined_on / loaned_on (compared with current_date).
    defaulted_joined: set[int] = field(default_factory=set)
    defaulted_loaned: set[int] = field(default_factory=set)


class Library:
    """One fresh database, the learner's migrations, and the grader's rows in it."""

    def __init__(self, db: Any, project: Any, uid: str, label: str):
        self.db = db
        self.project = project
        self.uid = uid
        self.rng = random.Random(f"{uid}-{label}")
        self._serial = itertools.count(1)
        self._isbns: set[str] = set()
        self.applied: list[str] = []

    # -- migrations ----------------------------------------------------------------------------

    def apply(self, *steps: str) -> None:
        """Apply migration files in order, e.g. ``apply("001 up", "002 up")``."""
        for step in steps:
            rel = FILES[step]
            before = (
                f" (after {', '.join(self.applied)})" if self.applied else " (on an empty database)"
            )
            try:
                self.db.script(self.project.sql(rel), source=rel)
            except CheckFailure as exc:
                raise CheckFailure(f"applying {rel}{before}: {exc}") from None
            self.applied.append(step)
            self.keep()

    def keep(self) -> None:
        """With ``learnpath grade --keep``: keep the database as it is now, so that the
        commands in failure messages reproduce against it."""
        self.db.keep()

    # -- reading -------------------------------------------------------------------------------

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        return self.db.query(sql, params).scalar()

    def today(self) -> dt.date:
        return self.scalar("SELECT current_date")

    def columns(self) -> dict[str, dict[str, dict[str, Any]]]:
        """table -> column -> {type, nullable, default} for the public schema."""
        rows = self.db.query(
            "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity "
            "FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name IN (SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE')"
        ).rows
        out: dict[str, dict[str, dict[str, Any]]] = collections.defaultdict(dict)
        for table, column, dtype, nullable, default, identity in rows:
            out[table][column] = {
                "type": dtype,
                "nullable": nullable == "YES",
                "default": default,
                "identity": identity == "YES",
            }
        return dict(out)

    def primary_key(self, table: str) -> list[str] | None:
        rows = self.db.query(
            "SELECT a.attname FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "JOIN LATERAL unnest(c.conkey) AS k(attnum) ON true "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
            "WHERE c.contype = 'p' AND n.nspname = 'public' AND t.relname = :table",
            {"table": table},
        ).rows
        return sorted(r[0] for r in rows) if rows else None

    def indexes_leading_with(self, table: str, column: str) -> list[str]:
        """Names of the indexes on ``table`` whose first column is ``column``."""
        rows = self.db.query(
            "SELECT i.relname FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0] "
            "WHERE n.nspname = 'public' AND t.relname = :table AND a.attname = :column",
            {"table": table, "column": column},
        ).rows
        return [r[0] for r in rows]

    def value_homes(self) -> dict[str, collections.Counter[str]]:
        """Every value (as lower-case text) in every column of every table: value -> Counter of
        'table.column' it appears in (row counts)."""
        homes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        cols = self.db.query(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t ON t.table_schema = c.table_schema "
            "AND t.table_name = c.table_name "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        ).rows
        for table, column in cols:
            t, c = _ident(table), _ident(column)
            rows = self.db.query(
                f"SELECT {c}::text, count(*) FROM {t} WHERE {c} IS NOT NULL GROUP BY 1"
            ).rows
            for value, n in rows:  # lower-cased here: the database's locale may not know É
                homes[value.lower()][f"{table}.{column}"] += int(n)
        return homes

    # -- writing (valid rows) -----------------------------------------------------------------

    def _insert(self, sql: str, params: dict[str, Any]) -> int:
        return self.db.query(sql, params, source=SEED).scalar()

    def serial(self) -> int:
        return next(self._serial)

    def genre(self, code: str, label: str) -> str:
        self.db.execute(
            "INSERT INTO genres (code, label) VALUES (:code, :label)",
            {"code": code, "label": label},
            source=SEED,
        )
        return code

    def author(self, name: str | None = None) -> int:
        name = name or f"{self.rng.choice(FIRST)} {self.rng.choice(AUTHOR_LAST)}"
        return self._insert(
            "INSERT INTO authors (full_name) VALUES (:name) RETURNING id", {"name": name}
        )

    def isbn(self) -> str:
        while True:
            value = "978" + "".join(self.rng.choice("0123456789") for _ in range(10))
            if value not in self._isbns:
                self._isbns.add(value)
                return value

    def title(self) -> str:
        a, b = self.rng.sample(TITLE_WORDS, 2)
        return f"The {a} {b} {self.uid}-{self.serial()}"

    def book(
        self,
        genre: str,
        *,
        publisher: str = "Picador",
        publisher_id: int | None = None,
        year: int | None = 1999,
        isbn: str | None = None,
        title: str | None = None,
    ) -> int:
        params = {
            "isbn": isbn or self.isbn(),
            "title": title or self.title(),
            "genre": genre,
            "year": year,
        }
        if publisher_id is None:
            params["publisher"] = publisher
            return self._insert(
                "INSERT INTO books (isbn, title, genre_code, published_year, publisher) "
                "VALUES (:isbn, :title, :genre, :year, :publisher) RETURNING id",
                params,
            )
        params["publisher_id"] = publisher_id
        return self._insert(
            "INSERT INTO books (isbn, title, genre_code, published_year, publisher_id) "
            "VALUES (:isbn, :title, :genre, :year, :publisher_id) RETURNING id",
            params,
        )

    def listing(self, book: int, author: int) -> None:
        self.db.execute(
            "INSERT INTO book_authors (book_id, author_id) VALUES (:book, :author)",
            {"book": book, "author": author},
            source=SEED,
        )

    def barcode(self) -> str:
        return f"RL{self.rng.randrange(10**6):06d}-{self.uid}-{self.serial()}"

    def copy(self, book: int, barcode: str | None = None) -> int:
        return self._insert(
            "INSERT INTO copies (book_id, barcode) VALUES (:book, :barcode) RETURNING id",
            {"book": book, "barcode": barcode or self.barcode()},
        )

    def email(self, first: str, last: str) -> str:
        return f"{first}.{last}{self.serial()}.{self.uid}@example.org".lower()

    def member(
        self, email: str | None = None, name: str | None = None, joined: dt.date | None = None
    ) -> int:
        first, last = self.rng.choice(FIRST), self.rng.choice(MEMBER_LAST)
        params = {"email": email or self.email(first, last), "name": name or f"{first} {last}"}
        if joined is None:
            return self._insert(
                "INSERT INTO members (email, full_name) VALUES (:email, :name) RETURNING id",
                params,
            )
        return self._insert(
            "INSERT INTO members (email, full_name, joined_on) VALUES (:email, :name, :joined) "
            "RETURNING id",
            {**params, "joined": joined},
        )

    def loan(
        self,
        copy: int,
        member: int,
        *,
        loaned: dt.date | None,
        due: dt.date,
        returned: dt.date | None = None,
    ) -> int:
        params = {"copy": copy, "member": member, "due": due, "returned": returned}
        if loaned is None:
            return self._insert(
                "INSERT INTO loans (copy_id, member_id, due_on, returned_on) "
                "VALUES (:copy, :member, :due, :returned) RETURNING id",
                params,
            )
        return self._insert(
            "INSERT INTO loans (copy_id, member_id, loaned_on, due_on, returned_on) "
            "VALUES (:copy, :member, :loaned, :due, :returned) RETURNING id",
            {**params, "loaned": loaned},
        )

    # -- a whole library -------------------------------------------------------------------

    def populate(self, *, books: int = 24, members: int = 8) -> Seed:
        """A randomized library on the 001 schema; everything inserted, by id."""
        rng = self.rng
        today = self.today()
        seed = Seed(today=today)
        for label, code in rng.sample(GENRES, 5):
            seed.genres[self.genre(f"{code}-{self.uid}", f"{label} {self.uid}")] = (
                f"{label} {self.uid}"
            )
        codes = list(seed.genres)
        for _ in range(9):
            name = f"{rng.choice(FIRST)} {rng.choice(AUTHOR_LAST)}"
            seed.authors[self.author(name)] = name
        author_ids = list(seed.authors)
        # Every publisher at least once; one extra name used by exactly one book.
        single = f"Riverside Small Press {self.uid}"
        publishers = [*PUBLISHERS, single]
        plan = publishers + [rng.choice(PUBLISHERS) for _ in range(books - len(publishers))]
        rng.shuffle(plan)
        repeated_title = self.title()
        for i, publisher in enumerate(plan):
            year = None if i % 7 == 3 else rng.randrange(1450, 2025)
            title = repeated_title if i in (2, 11) else self.title()  # two books, one title
            b = Book(self.isbn(), title, rng.choice(codes), year, publisher)
            bid = self.book(b.genre, publisher=publisher, year=year, isbn=b.isbn, title=title)
            seed.books[bid] = b
        book_ids = list(seed.books)
        # One book with three authors, one author with three books, the rest one or two.
        many = author_ids[0]
        for i, bid in enumerate(book_ids):
            count = 3 if i == 0 else rng.choice((1, 1, 2))
            chosen = set(rng.sample(author_ids[1:], count))
            if i in (1, 2, 3):
                chosen.add(many)
            for aid in sorted(chosen):
                self.listing(bid, aid)
                seed.listings.add((bid, aid))
        for bid in book_ids:
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                code = self.barcode()
                seed.copies[self.copy(bid, code)] = (bid, code)
        for i in range(members):
            first, last = rng.choice(FIRST), rng.choice(MEMBER_LAST)
            email = self.email(first, last)
            if i % 3 == 1:  # letter case is kept as given
                email = email[:1].upper() + email[1:].replace("@example.org", "@Example.org")
            name = f"{first} {last}" if i != 4 else seed.members[next(iter(seed.members))][1]
            joined = None if i % 2 == 0 else today - dt.timedelta(days=rng.randrange(30, 2000))
            mid = self.member(email, name, joined)
            seed.members[mid] = (email, name, joined or today)
            if joined is None:
                seed.defaulted_joined.add(mid)
        member_ids = list(seed.members)
        # Loans: per copy, a history of returned loans, the last one sometimes still out.
        # The first copy always has a loan returned the day it was lent, a second loan after
        # it, and a loan still out.
        for n_copy, cid in enumerate(list(seed.copies)[: max(1, len(seed.copies) * 2 // 3)]):
            start = today - dt.timedelta(days=rng.randrange(200, 400))
            for n in range(2 if n_copy == 0 else rng.choice((1, 1, 2, 3))):
                loaned = start
                due = loaned + dt.timedelta(days=rng.choice((14, 21, 28)))
                late = 0 if n_copy == n == 0 else rng.choice((0, 5, 13, 30))  # 30: late
                back = loaned + dt.timedelta(days=late)
                member = rng.choice(member_ids)
                lid = self.loan(cid, member, loaned=loaned, due=due, returned=back)
                seed.loans[lid] = Loan(cid, member, loaned, due, back)
                start = back + dt.timedelta(days=rng.randrange(0, 10))
            if n_copy == 0 or rng.random() < 0.5:  # out now
                member = rng.choice(member_ids)
                if rng.random() < 0.5:  # lent today, by default
                    loaned, due = today, today + dt.timedelta(days=21)
                    lid = self.loan(cid, member, loaned=None, due=due)
                    seed.defaulted_loaned.add(lid)
                else:
                    loaned = today - dt.timedelta(days=rng.randrange(1, 40))
                    due = loaned + dt.timedelta(days=28)
                    lid = self.loan(cid, member, loaned=loaned, due=due)
                seed.loans[lid] = Loan(cid, member, loaned, due, None)
        self.keep()
        return seed


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def describe_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The differences between two ``db.schema()`` snapshots, one line each."""
    lines: list[str] = []
    for key in sorted(set(before) | set(after)):
        old = collections.Counter(tuple(r) for r in before.get(key, []))
        new = collections.Counter(tuple(r) for r in after.get(key, []))
        for row in sorted(old - new, key=repr):
            lines.append(f"{key}: missing {_row(row)}")
        for row in sorted(new - old, key=repr):
            lines.append(f"{key}: unexpected {_row(row)}")
    return lines


def _row(row: Iterable[Any]) -> str:
    return " | ".join("NULL" if v is None else str(v) for v in row)


def expect_same_schema(before: dict[str, Any], after: dict[str, Any], what: str) -> None:
    diff = describe_diff(before, after)
    shown = "; ".join(diff[:8]) + (f"; and {len(diff) - 8} more" if len(diff) > 8 else "")
    expect(
        not diff,
        f"{what}: expected the schema to be exactly the same, found {len(diff)} "
        f"difference(s): {shown} (compare yourself: pg_dump --schema-only before and after)",
    )


@pytest.fixture(scope="session")
def library(databases, project, uid) -> Callable[..., Library]:
    """``library("001 up", ...)``: a fresh database with those migration files applied."""
    made = itertools.count(1)

    def make(*steps: str, label: str = "library") -> Library:
        db = databases.postgres(label)
        lib = Library(db, project, uid, f"{label}-{next(made)}")
        lib.apply(*steps)
        return lib

    return make

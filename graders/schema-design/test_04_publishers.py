"""Stage publishers: migration 002 moves publishers to their own table, data included."""

import collections

import pytest
from conftest import FILES, TYPE_FAMILIES

from learnpath.grading.checks import expect
from learnpath.grading.sql import expect_rows

UNIQUE, FOREIGN, CHECK, NOT_NULL = "23505", "23503", "23514", "23502"
TOO_LONG = "22001"


def _upgraded(library):
    lib = library("001 up")
    seed = lib.populate()
    before = {
        table: lib.db.query(sql).rows
        for table, sql in {
            "books": "SELECT id, isbn, title, genre_code, published_year FROM books",
            "authors": "SELECT id, full_name FROM authors",
            "book_authors": "SELECT book_id, author_id FROM book_authors",
            "copies": "SELECT id, book_id, barcode FROM copies",
            "members": "SELECT id, email, full_name, joined_on FROM members",
            "loans": "SELECT id, copy_id, member_id, loaned_on, due_on, returned_on FROM loans",
        }.items()
    }
    lib.apply("002 up")
    return lib, seed, before


@pytest.fixture(scope="module")
def upgraded(library):
    """A full library upgraded by 002, shared by the checks that only read it."""
    return _upgraded(library)


@pytest.mark.stage("publishers")
def test_002_reshapes_books_and_publishers(upgraded):
    """002 up applies on a full library: publishers table, books.publisher_id indexed"""
    lib, _seed, _before = upgraded
    found = lib.columns()
    problems = []
    wanted = {
        "publishers": {"id": "integer", "name": "text", "country": "text"},
        "books": {"publisher_id": "integer"},
    }
    for table, columns in wanted.items():
        for column, family in columns.items():
            got = found.get(table, {}).get(column)
            if got is None:
                problems.append(f"{table}.{column} is missing")
            elif got["type"] not in TYPE_FAMILIES[family]:
                problems.append(f"{table}.{column} is {got['type']}, expected a {family} type")
    if "publisher" in found.get("books", {}):
        problems.append(
            "books.publisher is still there: the name now lives in publishers only (keeping "
            "both lets them disagree)"
        )
    expect(
        not problems,
        f"expected after {FILES['002 up']}: {'; '.join(problems)}",
    )
    expect(
        lib.primary_key("publishers") == ["id"],
        f"expected publishers to have PRIMARY KEY (id), found {lib.primary_key('publishers')}",
    )
    expect(
        lib.indexes_leading_with("books", "publisher_id") != [],
        "expected an index whose first column is books.publisher_id (PostgreSQL does not index "
        f"a foreign key for you), found none after {FILES['002 up']}",
    )


@pytest.mark.stage("publishers")
def test_002_migrates_every_books_publisher(upgraded):
    """one publisher per distinct name; every book points at its own; nothing else moved"""
    lib, seed, before = upgraded
    db = lib.db
    names = sorted({b.publisher for b in seed.books.values()})
    expect_rows(
        db.query("SELECT name, country FROM publishers"),
        [(n, None) for n in names],
        ordered=False,
        what=f"the publishers {FILES['002 up']} made from the {len(seed.books)} books' "
        f"{len(names)} distinct publisher names (exact spelling: 'Orbit' and 'ORBIT' are two; "
        "country empty)",
    )
    expect_rows(
        db.query("SELECT b.id, p.name FROM books b JOIN publishers p ON p.id = b.publisher_id"),
        [(i, b.publisher) for i, b in seed.books.items()],
        ordered=False,
        what="every book's publisher after the migration (books joined to publishers)",
    )
    after = {
        "books": "SELECT id, isbn, title, genre_code, published_year FROM books",
        "authors": "SELECT id, full_name FROM authors",
        "book_authors": "SELECT book_id, author_id FROM book_authors",
        "copies": "SELECT id, book_id, barcode FROM copies",
        "members": "SELECT id, email, full_name, joined_on FROM members",
        "loans": "SELECT id, copy_id, member_id, loaned_on, due_on, returned_on FROM loans",
    }
    for table, sql in after.items():
        expect_rows(
            db.query(sql),
            before[table],
            ordered=False,
            what=f"{table} after {FILES['002 up']} (every row as it was, ids included)",
        )
    per = collections.Counter(b.publisher for b in seed.books.values())
    single = next(n for n, c in per.items() if c == 1)
    rows = db.query(
        "SELECT count(*) FROM books b JOIN publishers p ON p.id = b.publisher_id "
        "WHERE p.name = :name",
        {"name": single},
    ).scalar()
    expect(rows == 1, f"expected the publisher {single!r} to have its 1 book, found {rows}")


@pytest.mark.stage("publishers")
def test_publisher_rules(library):
    """publishers' rules: name required and unique, country two capitals, kept while used"""
    lib, seed, _before = _upgraded(library)
    db = lib.db
    genre = next(iter(seed.genres))
    used = db.query("SELECT id, name FROM publishers ORDER BY id LIMIT 1").rows[0]
    insert = "INSERT INTO publishers (name, country) VALUES (:name, :country)"
    db.expect_violation(
        insert,
        {"name": used[1], "country": None},
        sqlstate=UNIQUE,
        rule="no two publishers share a name",
    )
    db.expect_violation(
        insert, {"name": None, "country": "GB"}, sqlstate=NOT_NULL, rule="a publisher has a name"
    )
    for country, states in (("fr", {CHECK}), ("FRA", {CHECK, TOO_LONG}), ("F1", {CHECK})):
        db.expect_violation(
            insert,
            {"name": f"Press {country} {lib.uid}", "country": country},
            sqlstate=states,
            rule=f"a known country is two capital letters ({country!r})",
        )
    book = (
        "INSERT INTO books (isbn, title, genre_code, published_year, publisher_id) "
        "VALUES (:isbn, :title, :genre, 2001, :publisher) RETURNING id"
    )
    params = {"isbn": lib.isbn(), "title": lib.title(), "genre": genre}
    db.expect_violation(
        book, {**params, "publisher": None}, sqlstate=NOT_NULL, rule="a book has a publisher_id"
    )
    nowhere = int(db.query("SELECT max(id) FROM publishers").scalar()) + 1000
    db.expect_violation(
        book,
        {**params, "publisher": nowhere},
        sqlstate=FOREIGN,
        rule=f"a book's publisher exists (publisher {nowhere} does not)",
    )
    # What is valid after the upgrade.
    french = db.query(
        insert + " RETURNING id", {"name": f"Gallimard {lib.uid}", "country": "FR"}
    ).scalar()
    unknown = db.query(
        insert + " RETURNING id", {"name": f"Unknown Press {lib.uid}", "country": None}
    ).scalar()
    new_book = lib.book(genre, publisher_id=french)
    got = db.query(
        "SELECT p.name, p.country FROM books b JOIN publishers p ON p.id = b.publisher_id "
        "WHERE b.id = :id",
        {"id": new_book},
    ).rows
    expect(
        got == [(f"Gallimard {lib.uid}", "FR")],
        f"expected the new book's publisher to be Gallimard {lib.uid} (FR), got {got}",
    )
    db.expect_violation(
        "DELETE FROM publishers WHERE id = :id",
        {"id": french},
        sqlstate=FOREIGN,
        rule="a publisher that still has books cannot be deleted (its one book has no copies)",
    )
    deleted = db.execute("DELETE FROM publishers WHERE id = :id", {"id": unknown})
    expect(deleted == 1, f"expected a publisher without books to be deleted, {deleted} rows went")

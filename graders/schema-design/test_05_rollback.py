"""Stage rollback: 002 down restores exactly what 001 made; 001 down leaves nothing."""

import pytest
from conftest import FILES, expect_same_schema

from learnpath.grading.checks import expect
from learnpath.grading.sql import expect_rows

LEFTOVERS = """
SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
            WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence'
            WHEN 'f' THEN 'foreign table' ELSE 'relation' END || ' ' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
UNION ALL
SELECT 'type ' || t.typname
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
LEFT JOIN pg_class c ON c.oid = t.typrelid
WHERE n.nspname = 'public' AND t.typcategory <> 'A' AND (t.typrelid = 0 OR c.relkind = 'c')
UNION ALL
SELECT 'function ' || p.proname
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public'
"""


@pytest.mark.stage("rollback")
def test_002_down_restores_the_schema_and_the_data(library):
    """002 up then 002 down: exactly the schema of 001, each book with its publisher"""
    lib = library("001 up")
    after_001 = lib.db.schema()
    seed = lib.populate(books=16, members=4)
    lib.apply("002 up")
    genre = next(iter(seed.genres))
    newcomer = f"Late Arrival Press {lib.uid}"
    publisher = lib.db.query(
        "INSERT INTO publishers (name, country) VALUES (:name, 'IE') RETURNING id",
        {"name": newcomer},
    ).scalar()
    new_book = lib.book(genre, publisher_id=publisher)
    lib.apply("002 down")
    expect_same_schema(
        after_001, lib.db.schema(), f"after {FILES['002 up']} then {FILES['002 down']}"
    )
    want = [(i, b.publisher) for i, b in seed.books.items()] + [(new_book, newcomer)]
    expect_rows(
        lib.db.query("SELECT id, publisher FROM books"),
        want,
        ordered=False,
        what=f"every book's publisher after {FILES['002 down']} (the book added after the "
        "upgrade included)",
    )
    title = lib.title()
    lib.db.expect_violation(
        "INSERT INTO books (isbn, title, genre_code, publisher) VALUES (:isbn, :title, :g, '  ')",
        {"isbn": lib.isbn(), "title": title, "g": genre},
        sqlstate="23514",
        rule=f"a publisher's name is never blank, again after {FILES['002 down']}",
    )


@pytest.mark.stage("rollback")
def test_001_down_leaves_nothing(library):
    """001 down after 001 up and some data leaves no table, sequence, view, type or function"""
    lib = library("001 up")
    lib.populate(books=8, members=3)
    lib.apply("001 down")
    left = [r[0] for r in lib.db.query(LEFTOVERS).rows]
    expect(
        not left,
        f"expected {FILES['001 down']} to remove everything {FILES['001 up']} created, found "
        f"{', '.join(sorted(left))} still there (drop children before parents)",
    )


@pytest.mark.stage("rollback")
def test_migrations_apply_again_after_rollback(library):
    """up, down and up again: every migration re-applies and gives the same schema"""
    lib = library()
    lib.apply("001 up")
    first_001 = lib.db.schema()
    lib.apply("002 up")
    first_002 = lib.db.schema()
    lib.apply("002 down", "002 up")
    expect_same_schema(first_002, lib.db.schema(), "002 up applied again after 002 down")
    lib.apply("002 down", "001 down", "001 up")
    expect_same_schema(first_001, lib.db.schema(), "001 up applied again after 001 down")
    lib.apply("002 up")
    expect_same_schema(first_002, lib.db.schema(), "002 up applied a second time, from scratch")
    genre = lib.genre(f"g-{lib.uid}", f"Reprints {lib.uid}")
    publisher = lib.db.query(
        "INSERT INTO publishers (name) VALUES (:name) RETURNING id", {"name": f"Again {lib.uid}"}
    ).scalar()
    book = lib.book(genre, publisher_id=publisher)
    expect(isinstance(book, int), f"expected a book to insert at the end, got id {book!r}")

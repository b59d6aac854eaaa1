"""Stage entities: 001 up creates the brief's tables, keys and defaults, and valid data fits."""

import datetime as dt

import pytest
from conftest import FILES, TABLES_001, TYPE_FAMILIES

from learnpath.grading.checks import expect
from learnpath.grading.sql import expect_rows

ID_KEYED = ("books", "authors", "copies", "members", "loans")


@pytest.fixture(scope="module")
def schema_001(library):
    """One database with 001 applied, for the checks that only read the catalog."""
    return library("001 up")


@pytest.mark.stage("entities")
def test_initial_migration_creates_every_table_and_column(schema_001):
    """001_initial.up.sql applies to an empty database and creates every table and column"""
    lib = schema_001
    found = lib.columns()
    missing_tables = [t for t in TABLES_001 if t not in found]
    expect(
        not missing_tables,
        f"expected {FILES['001 up']} to create the tables {', '.join(TABLES_001)}; missing: "
        f"{', '.join(missing_tables)} (tables found: {', '.join(sorted(found)) or 'none'}). "
        "Names must be exactly those of BRIEF.md",
    )
    problems = []
    for table, columns in TABLES_001.items():
        for column, (family, _required) in columns.items():
            got = found[table].get(column)
            if got is None:
                problems.append(
                    f"{table}.{column} is missing (columns: {', '.join(sorted(found[table]))})"
                )
            elif got["type"] not in TYPE_FAMILIES[family]:
                problems.append(f"{table}.{column} is {got['type']}, expected a {family} type")
    expect(
        not problems,
        f"expected the columns of BRIEF.md with their types: {'; '.join(problems)}. "
        f"Reproduce: apply {FILES['001 up']} with psql and look at \\d <table>",
    )


@pytest.mark.stage("entities")
def test_every_table_has_its_primary_key(schema_001):
    """books, authors, copies, members and loans are keyed by id, genres by code"""
    lib = schema_001
    wanted = {t: ["id"] for t in ID_KEYED} | {"genres": ["code"]}
    wrong = []
    for table, key in wanted.items():
        got = lib.primary_key(table)
        if got != key:
            shown = f"({', '.join(got)})" if got else "no primary key"
            wrong.append(f"{table}: expected PRIMARY KEY ({', '.join(key)}), found {shown}")
    expect(
        not wrong,
        f"expected every table to have its primary key: {'; '.join(wrong)} "
        "(a UNIQUE column is not a primary key; check with \\d <table> in psql)",
    )


@pytest.mark.stage("entities")
def test_ids_are_generated_by_the_database(library):
    """inserting without an id gets one back from RETURNING id, different for each row"""
    lib = library("001 up")
    lib.genre(f"g-{lib.uid}", f"Genre {lib.uid}")
    made = {
        "authors": [lib.author(), lib.author()],
        "books": [lib.book(f"g-{lib.uid}"), lib.book(f"g-{lib.uid}")],
        "members": [lib.member(), lib.member()],
    }
    made["copies"] = [lib.copy(made["books"][0]), lib.copy(made["books"][0])]
    today = lib.today()
    made["loans"] = [
        lib.loan(copy, made["members"][0], loaned=None, due=today + dt.timedelta(days=30))
        for copy in made["copies"]
    ]
    for table, ids in made.items():
        expect(
            all(isinstance(i, int) for i in ids) and len(set(ids)) == 2,
            f"expected two INSERTs into {table} without an id to return two different ids "
            f"(RETURNING id), got {ids}: give {table}.id a generated default (GENERATED ... "
            "AS IDENTITY or bigserial)",
        )


@pytest.mark.stage("entities")
def test_a_whole_library_inserts_and_reads_back(library):
    """a randomized library (NULL years, co-authors, loans of every kind) reads back unchanged"""
    lib = library("001 up")
    seed = lib.populate()
    db = lib.db
    expect_rows(
        db.query(
            "SELECT b.id, b.isbn, b.title, g.label, b.published_year, b.publisher "
            "FROM books b JOIN genres g ON g.code = b.genre_code"
        ),
        [
            (i, b.isbn, b.title, seed.genres[b.genre], b.year, b.publisher)
            for i, b in seed.books.items()
        ],
        ordered=False,
        what="every book with its genre's label (books joined to genres)",
    )
    expect_rows(
        db.query(
            "SELECT ba.book_id, b.isbn, ba.author_id, a.full_name FROM book_authors ba "
            "JOIN books b ON b.id = ba.book_id JOIN authors a ON a.id = ba.author_id"
        ),
        [(b, seed.books[b].isbn, a, seed.authors[a]) for b, a in seed.listings],
        ordered=False,
        what="every book's authors (book_authors joined to books and authors)",
    )
    expect_rows(
        db.query("SELECT c.id, c.barcode, b.isbn FROM copies c JOIN books b ON b.id = c.book_id"),
        [(c, code, seed.books[b].isbn) for c, (b, code) in seed.copies.items()],
        ordered=False,
        what="every copy with its book (copies joined to books)",
    )
    if lib.today() != seed.today:
        pytest.skip("not checked: the date changed while the library was inserted")
    expect_rows(
        db.query("SELECT id, email, full_name, joined_on FROM members"),
        [(m, email, name, joined) for m, (email, name, joined) in seed.members.items()],
        ordered=False,
        what=f"every member (members that left out joined_on joined today, {seed.today})",
    )
    expect_rows(
        db.query(
            "SELECT l.id, c.barcode, m.email, l.loaned_on, l.due_on, l.returned_on FROM loans l "
            "JOIN copies c ON c.id = l.copy_id JOIN members m ON m.id = l.member_id"
        ),
        [
            (
                i,
                seed.copies[x.copy][1],
                seed.members[x.member][0],
                x.loaned_on,
                x.due_on,
                x.returned_on,
            )
            for i, x in seed.loans.items()
        ],
        ordered=False,
        what=f"every loan with its copy and member (loans that left out loaned_on were lent "
        f"today, {seed.today})",
    )


@pytest.mark.stage("entities")
def test_books_are_indexed_by_publisher(schema_001):
    """an index whose first column is books.publisher exists"""
    lib = schema_001
    expect(
        lib.indexes_leading_with("books", "publisher") != [],
        f"expected an index on books (publisher) — staff look books up by publisher — found "
        f"none whose first column is publisher. Add to {FILES['001 up']}: "
        "CREATE INDEX books_publisher_idx ON books (publisher);",
    )

"""Stage integrity: every business rule of the brief is enforced by PostgreSQL itself."""

import datetime as dt
from dataclasses import dataclass

import pytest
from conftest import Library

from learnpath.grading.checks import CheckFailure, expect
from learnpath.grading.sql import to_pyformat

UNIQUE, FOREIGN, CHECK, NOT_NULL = "23505", "23503", "23514", "23502"
TOO_LONG = "22001"  # a char(n)/varchar(n) column refusing a longer value
EXCLUSION = "23P01"


@dataclass
class Base:
    """A small valid library: two genres (one unused), authors, books, copies, members, loans."""

    lib: Library
    today: dt.date
    genre: str
    unused_genre: str
    author: int
    coauthor: int
    unused_author: int
    listed_book: int  # two authors, no copies
    shelved_book: int  # one copy, with a loan
    copied_book: int  # one copy, never lent
    isbn: str
    copy: int  # has a returned loan
    free_copy: int  # of copied_book, no loans
    barcode: str
    member: int
    email: str
    unused_member: int
    loan: int


def _make_base(library) -> Base:
    lib = library("001 up")
    uid = lib.uid
    today = lib.today()
    genre = lib.genre(f"sf-{uid}", f"Science fiction {uid}")
    unused_genre = lib.genre(f"poetry-{uid}", f"Poetry {uid}")
    author, coauthor, unused_author = lib.author(), lib.author(), lib.author()
    listed = lib.book(genre, publisher="Orbit")
    lib.listing(listed, author)
    lib.listing(listed, coauthor)
    isbn = lib.isbn()
    shelved = lib.book(genre, isbn=isbn, publisher="Picador", year=None)
    lib.listing(shelved, author)
    barcode = lib.barcode()
    copy = lib.copy(shelved, barcode)
    copied = lib.book(genre, publisher="Picador")
    free_copy = lib.copy(copied)
    email = lib.email("ada", "brook")
    member = lib.member(email, "Ada Brook")
    unused_member = lib.member()
    lent = today - dt.timedelta(days=40)
    loan = lib.loan(
        copy,
        member,
        loaned=lent,
        due=lent + dt.timedelta(days=21),
        returned=lent + dt.timedelta(days=10),
    )
    lib.keep()
    return Base(
        lib,
        today,
        genre,
        unused_genre,
        author,
        coauthor,
        unused_author,
        listed,
        shelved,
        copied,
        isbn,
        copy,
        free_copy,
        barcode,
        member,
        email,
        unused_member,
        loan,
    )


@pytest.fixture(scope="module")
def base(library) -> Base:
    """One small library shared by the checks that change nothing (refused or rolled back)."""
    return _make_base(library)


@pytest.fixture
def own_base(library) -> Base:
    """A small library of its own, for a check that changes it."""
    return _make_base(library)


def _book(b: Base, **overrides):
    params = {
        "isbn": b.lib.isbn(),
        "title": "A valid title",
        "genre": b.genre,
        "year": 2001,
        "publisher": "Picador",
    }
    params.update(overrides)
    sql = (
        "INSERT INTO books (isbn, title, genre_code, published_year, publisher) "
        "VALUES (:isbn, :title, :genre, :year, :publisher)"
    )
    return sql, params


def _member(b: Base, **overrides):
    params = {"email": b.lib.email("new", "member"), "name": "New Member", "joined": b.today}
    params.update(overrides)
    sql = "INSERT INTO members (email, full_name, joined_on) VALUES (:email, :name, :joined)"
    return sql, params


def _loan(b: Base, **overrides):
    params = {
        "copy": b.copy,
        "member": b.member,
        "loaned": b.today,
        "due": b.today + dt.timedelta(days=21),
        "returned": None,
    }
    params.update(overrides)
    sql = (
        "INSERT INTO loans (copy_id, member_id, loaned_on, due_on, returned_on) "
        "VALUES (:copy, :member, :loaned, :due, :returned)"
    )
    return sql, params


def _accepts(b: Base, sql: str, params: dict, rule: str, *, keep: bool = False) -> None:
    """A valid statement must succeed; undone unless ``keep``."""
    conn = b.lib.db.connect()
    try:
        try:
            conn.execute(to_pyformat(sql), params)
        except Exception as exc:  # the database refused a valid statement
            lines = str(exc).strip().splitlines()
            raise CheckFailure(
                f"expected the database to accept valid data ({rule}), but it refused: "
                f"{lines[0] if lines else repr(exc)} (SQLSTATE {getattr(exc, 'sqlstate', '?')}): "
                f"a rule declared too strictly. {b.lib.db.describe(sql, params, None)}"
            ) from None
        if keep:
            conn.commit()
    finally:
        conn.rollback()
        conn.close()


@pytest.mark.stage("integrity")
def test_unique_rules(base):
    """a repeated ISBN, barcode, genre label or email (any letter case) is refused (23505)"""
    b = base
    db = b.lib.db
    sql, params = _book(b, isbn=b.isbn)
    db.expect_violation(sql, params, sqlstate=UNIQUE, rule="no two books share an ISBN")
    db.expect_violation(
        "INSERT INTO copies (book_id, barcode) VALUES (:book, :barcode)",
        {"book": b.listed_book, "barcode": b.barcode},
        sqlstate=UNIQUE,
        rule="no two copies share a barcode",
    )
    label = db.query("SELECT label FROM genres WHERE code = :c", {"c": b.genre}).scalar()
    db.expect_violation(
        "INSERT INTO genres (code, label) VALUES (:code, :label)",
        {"code": f"other-{b.lib.uid}", "label": label},
        sqlstate=UNIQUE,
        rule="no two genres share a label",
    )
    sql, params = _member(b, email=b.email)
    db.expect_violation(sql, params, sqlstate=UNIQUE, rule="no two members share an email")
    shouted = b.email.upper()
    sql, params = _member(b, email=shouted)
    db.expect_violation(
        sql,
        params,
        sqlstate=UNIQUE,
        rule=f"emails are unique regardless of case ({shouted} is {b.email}, already a member)",
    )


@pytest.mark.stage("integrity")
def test_check_rules(base):
    """bad ISBNs, blank publishers, impossible years and bad emails are refused (23514)"""
    b = base
    db = b.lib.db
    digits = b.lib.isbn()
    bad_isbns = {
        digits[:12]: (CHECK,),
        digits + "7": (CHECK, TOO_LONG),
        digits[:3] + "-" + digits[4:]: (CHECK,),
        digits[:12] + "X": (CHECK,),
    }
    for isbn, states in bad_isbns.items():
        sql, params = _book(b, isbn=isbn)
        db.expect_violation(
            sql, params, sqlstate=set(states), rule=f"an ISBN is exactly 13 digits ({isbn!r})"
        )
    for blank in ("", "   "):
        sql, params = _book(b, publisher=blank)
        db.expect_violation(
            sql, params, sqlstate=CHECK, rule=f"a publisher's name is never blank ({blank!r})"
        )
    for year in (1449, 2101):
        sql, params = _book(b, year=year)
        db.expect_violation(
            sql,
            params,
            sqlstate=CHECK,
            rule=f"a known published_year is between 1450 and 2100 ({year})",
        )
    local = b.lib.email("no", "at").split("@")[0]
    for email in (f"{local}.example.org", f"@{local}.example.org", f"{local}@"):
        sql, params = _member(b, email=email)
        db.expect_violation(
            sql,
            params,
            sqlstate=CHECK,
            rule=f"an email has an @ with something on each side ({email!r})",
        )


@pytest.mark.stage("integrity")
def test_loan_dates(base):
    """a loan due on or before the day it was lent, or back before it, is refused (23514)"""
    b = base
    db = b.lib.db
    lent = b.today - dt.timedelta(days=3)
    cases = [
        ({"loaned": lent, "due": lent}, "due_on is after loaned_on (due the day it was lent)"),
        (
            {"loaned": lent, "due": lent - dt.timedelta(days=1)},
            "due_on is after loaned_on (due the day before it was lent)",
        ),
        (
            {"loaned": lent, "returned": lent - dt.timedelta(days=1)},
            "returned_on is never before loaned_on",
        ),
    ]
    for overrides, rule in cases:
        sql, params = _loan(b, copy=b.free_copy, **overrides)
        db.expect_violation(sql, params, sqlstate=CHECK, rule=rule)


@pytest.mark.stage("integrity")
def test_required_columns(base):
    """NULL in each required column is refused with 23502"""
    b = base
    db = b.lib.db
    cases = [
        (
            "INSERT INTO genres (code, label) VALUES (NULL, :v)",
            {"v": f"X {b.lib.uid}"},
            "genres.code",
        ),
        (
            "INSERT INTO genres (code, label) VALUES (:v, NULL)",
            {"v": f"x-{b.lib.uid}"},
            "genres.label",
        ),
        ("INSERT INTO authors (full_name) VALUES (NULL)", {}, "authors.full_name"),
        (
            "INSERT INTO book_authors (book_id, author_id) VALUES (NULL, :a)",
            {"a": b.unused_author},
            "book_authors.book_id",
        ),
        (
            "INSERT INTO book_authors (book_id, author_id) VALUES (:b, NULL)",
            {"b": b.listed_book},
            "book_authors.author_id",
        ),
        (
            "INSERT INTO copies (book_id, barcode) VALUES (NULL, :c)",
            {"c": b.lib.barcode()},
            "copies.book_id",
        ),
        (
            "INSERT INTO copies (book_id, barcode) VALUES (:b, NULL)",
            {"b": b.listed_book},
            "copies.barcode",
        ),
    ]
    for column in ("isbn", "title", "genre", "publisher"):
        sql, params = _book(b, **{column: None})
        name = "genre_code" if column == "genre" else column
        cases.append((sql, params, f"books.{name}"))
    for column, name in (("email", "email"), ("name", "full_name"), ("joined", "joined_on")):
        sql, params = _member(b, **{column: None})
        cases.append((sql, params, f"members.{name}"))
    for column, name in (
        ("copy", "copy_id"),
        ("member", "member_id"),
        ("loaned", "loaned_on"),
        ("due", "due_on"),
    ):
        sql, params = _loan(b, **({"copy": b.free_copy} | {column: None}))
        cases.append((sql, params, f"loans.{name}"))
    for sql, params, column in cases:
        db.expect_violation(sql, params, sqlstate=NOT_NULL, rule=f"{column} is required")


@pytest.mark.stage("integrity")
def test_references_must_exist(base):
    """a reference to a genre, book, author, copy or member that is not there: 23503"""
    b = base
    db = b.lib.db
    most = db.query(
        "SELECT max(x) FROM (SELECT max(id) AS x FROM books UNION ALL SELECT max(id) FROM authors "
        "UNION ALL SELECT max(id) FROM copies UNION ALL SELECT max(id) FROM members) m"
    ).scalar()
    nobody = int(most) + 1000
    sql, params = _book(b, genre=f"no-such-genre-{b.lib.uid}")
    cases = [(sql, params, "a book's genre exists")]
    cases += [
        (
            "INSERT INTO copies (book_id, barcode) VALUES (:b, :c)",
            {"b": nobody, "c": b.lib.barcode()},
            "a copy's book exists",
        ),
        (
            "INSERT INTO book_authors (book_id, author_id) VALUES (:b, :a)",
            {"b": nobody, "a": b.unused_author},
            "a listed book exists",
        ),
        (
            "INSERT INTO book_authors (book_id, author_id) VALUES (:b, :a)",
            {"b": b.shelved_book, "a": nobody},
            "a listed author exists",
        ),
    ]
    sql, params = _loan(b, copy=nobody)
    cases.append((sql, params, "a loan's copy exists"))
    sql, params = _loan(b, copy=b.free_copy, member=nobody)
    cases.append((sql, params, "a loan's member exists"))
    for sql, params, rule in cases:
        db.expect_violation(sql, params, sqlstate=FOREIGN, rule=f"{rule} (id {nobody} does not)")


@pytest.mark.stage("integrity")
def test_what_deleting_does(own_base):
    """deleting a book removes its listings; deleting a row still referred to: 23503"""
    b = own_base
    db = b.lib.db
    refused = [
        ("DELETE FROM books WHERE id = :id", b.copied_book, "a book that still has copies"),
        ("DELETE FROM genres WHERE code = :id", b.genre, "a genre that books are shelved under"),
        ("DELETE FROM authors WHERE id = :id", b.author, "an author still listed on a book"),
        ("DELETE FROM copies WHERE id = :id", b.copy, "a copy with loans on record"),
        ("DELETE FROM members WHERE id = :id", b.member, "a member with loans on record"),
    ]
    for sql, key, what in refused:
        db.expect_violation(sql, {"id": key}, sqlstate=FOREIGN, rule=f"{what} cannot be deleted")
    listings = "SELECT count(*) FROM book_authors WHERE book_id = :id"
    others = db.query(
        "SELECT count(*) FROM book_authors WHERE book_id <> :id", {"id": b.listed_book}
    ).scalar()
    _accepts(
        b,
        "DELETE FROM books WHERE id = :id",
        {"id": b.listed_book},
        "deleting a book with two authors and no copies deletes its book_authors rows with it",
        keep=True,
    )
    gone = db.query("SELECT count(*) FROM books WHERE id = :id", {"id": b.listed_book}).scalar()
    expect(gone == 0, f"expected book {b.listed_book} to be deleted, it is still there")
    left = db.query(listings, {"id": b.listed_book}).scalar()
    expect(
        left == 0,
        f"expected deleting book {b.listed_book} to delete its 2 book_authors rows too, "
        f"{left} are left. {db.describe(listings, {'id': b.listed_book}, None)}",
    )
    authors = db.query(
        "SELECT count(*) FROM authors WHERE id IN (:a, :c)", {"a": b.author, "c": b.coauthor}
    ).scalar()
    expect(
        authors == 2,
        f"expected the deleted book's 2 authors to stay (only their listing goes), found {authors}",
    )
    kept = db.query(
        "SELECT count(*) FROM book_authors WHERE book_id <> :id", {"id": b.listed_book}
    ).scalar()
    expect(
        kept == others,
        f"expected the other books' listings to stay ({others}), found {kept} after deleting "
        f"book {b.listed_book}",
    )


@pytest.mark.stage("integrity")
def test_one_open_loan_per_copy(own_base):
    """a copy is out once at a time (23505), and lent again once it is back"""
    b = own_base
    db = b.lib.db
    # The base copy's loan was returned: it is lent again, to an open loan...
    sql, params = _loan(b, member=b.unused_member)
    _accepts(b, sql, params, "a copy that came back is lent again", keep=True)
    # ...and cannot go out a second time until it is back.
    sql, params = _loan(b, member=b.member)
    db.expect_violation(
        sql,
        params,
        sqlstate={UNIQUE, EXCLUSION},
        rule="a copy is out to at most one member at a time (it has an open loan already)",
    )
    sql, params = _loan(b, copy=b.free_copy, member=b.unused_member)
    _accepts(b, sql, params, "a member borrows a second copy while the first is out", keep=True)
    # Returned, then lent again the same day.
    db.execute(
        "UPDATE loans SET returned_on = :d WHERE copy_id = :c AND returned_on IS NULL",
        {"d": b.today, "c": b.copy},
    )
    sql, params = _loan(b, member=b.member)
    _accepts(b, sql, params, "a copy returned today is lent again today")


@pytest.mark.stage("integrity")
def test_valid_edge_cases_are_accepted(base):
    """valid edge cases are accepted: years 1450/2100/none, same-day and late returns, ..."""
    b = base
    for year in (1450, 2100, None):
        sql, params = _book(b, year=year)
        _accepts(b, sql, params, f"published_year {year}")
    lent = b.today - dt.timedelta(days=60)
    for back, what in ((lent, "a loan returned the day it was lent"), (b.today, "a late return")):
        sql, params = _loan(
            b, copy=b.free_copy, loaned=lent, due=lent + dt.timedelta(days=14), returned=back
        )
        _accepts(b, sql, params, what)
    sql, params = _member(b, name="Ada Brook")
    _accepts(b, sql, params, "two members with the same name")
    sql, params = _member(b, email=f"Ann.O'Neil+{b.lib.uid}@Sub.Example.org")
    _accepts(b, sql, params, "an email with capitals, an apostrophe and a plus sign")
    for sql, key, what in (
        ("DELETE FROM genres WHERE code = :id", b.unused_genre, "deleting a genre no book uses"),
        ("DELETE FROM authors WHERE id = :id", b.unused_author, "deleting an author of no book"),
        ("DELETE FROM members WHERE id = :id", b.unused_member, "deleting a member with no loans"),
        ("DELETE FROM copies WHERE id = :id", b.free_copy, "deleting a copy never lent"),
    ):
        _accepts(b, sql, {"id": key}, what)

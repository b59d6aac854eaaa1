"""Stage normalized: each fact is stored once, and books meet authors through a junction table."""

import collections

import pytest
from conftest import FILES, TABLES_001

from learnpath.grading.checks import expect
from learnpath.grading.sql import expect_rows

# A word in a column's name, and the tables where a column carrying it belongs.
HOMES = [
    ("email", {"members"}, "a member's email"),
    ("label", {"genres"}, "a genre's label"),
    ("title", {"books"}, "a book's title"),
    ("isbn", {"books"}, "a book's ISBN"),
    ("publisher", {"books"}, "a book's publisher"),
    ("barcode", {"copies"}, "a copy's barcode"),
    ("name", {"authors", "members"}, "a person's name"),
    ("genre", {"books", "genres"}, "a book's genre"),
]


@pytest.mark.stage("normalized")
def test_each_fact_has_one_home_table(library):
    """no table has a column of a fact that lives in another table (email, label, title...)"""
    lib = library("001 up")
    found = lib.columns()
    wrong = []
    for table in TABLES_001:
        for column in sorted(found.get(table, {})):
            for word, homes, fact in HOMES:
                if word in column and table not in homes:
                    where = " or ".join(sorted(homes))
                    wrong.append(f"{table}.{column} looks like {fact}, which lives in {where}")
            if table == "books" and "author" in column:
                wrong.append(
                    f"books.{column}: a book's authors go through book_authors (a column on "
                    "books holds one author, or a list, which breaks first normal form)"
                )
            if table == "authors" and "book" in column:
                wrong.append(f"authors.{column}: an author's books go through book_authors")
    expect(
        not wrong,
        f"expected each fact in one table only (third normal form): {'; '.join(wrong)}. "
        f"Remove the repeated column(s) from {FILES['001 up']} and reach the fact through the "
        "foreign key instead",
    )


def _homes_report(homes, value):
    found = homes.get(value.lower(), {})
    return ", ".join(f"{col} ({n} row(s))" for col, n in sorted(found.items())) or "nowhere"


@pytest.mark.stage("normalized")
def test_every_value_is_stored_once(library):
    """every email, label, title, ISBN, name and barcode is found in its home column only"""
    lib = library("001 up")
    seed = lib.populate()
    homes = lib.value_homes()
    facts = []  # (value, {column: rows}, what)
    for email, _name, _joined in seed.members.values():
        facts.append((email, {"members.email": 1}, "a member's email"))
    for name, n in collections.Counter(m[1] for m in seed.members.values()).items():
        facts.append((name, {"members.full_name": n}, "a member's name"))
    for name, n in collections.Counter(seed.authors.values()).items():
        facts.append((name, {"authors.full_name": n}, "an author's name"))
    for label in seed.genres.values():
        facts.append((label, {"genres.label": 1}, "a genre's label"))
    for title, n in collections.Counter(b.title for b in seed.books.values()).items():
        facts.append((title, {"books.title": n}, "a book's title"))
    for book in seed.books.values():
        facts.append((book.isbn, {"books.isbn": 1}, "a book's ISBN"))
    for _book, code in seed.copies.values():
        facts.append((code, {"copies.barcode": 1}, "a copy's barcode"))
    # Letter case aside, a publisher's name is found in books.publisher only (once per book).
    by_publisher = collections.Counter(b.publisher.lower() for b in seed.books.values())
    for publisher, n in by_publisher.items():
        facts.append((publisher, {"books.publisher": n}, "a book's publisher"))
    wrong = []
    for value, want, what in facts:
        got = dict(homes.get(value.lower(), {}))
        if got != want:
            home = next(iter(want))
            wrong.append(
                f"{what} {value!r}: expected in {home} only ({want[home]} row(s)), found in "
                f"{_homes_report(homes, value)}"
            )
    expect(
        not wrong,
        f"expected every fact stored once, in its home table (the grader searched every column "
        f"of every table): {'; '.join(wrong[:5])}"
        + (f"; and {len(wrong) - 5} more" if len(wrong) > 5 else ""),
    )


@pytest.mark.stage("normalized")
def test_one_update_changes_a_fact_everywhere(library):
    """one UPDATE of an email or a label shows in every join; the old value is gone"""
    lib = library("001 up")
    seed = lib.populate()
    db = lib.db
    counts = collections.Counter(loan.member for loan in seed.loans.values())
    member, n_loans = counts.most_common(1)[0]
    old = seed.members[member][0]
    new = lib.email("moved", "away")
    db.execute("UPDATE members SET email = :new WHERE id = :id", {"new": new, "id": member})
    expect_rows(
        db.query(
            "SELECT l.id, m.email FROM loans l JOIN members m ON m.id = l.member_id "
            "WHERE l.member_id = :id",
            {"id": member},
        ),
        [(i, new) for i, loan in seed.loans.items() if loan.member == member],
        ordered=False,
        what=f"the {n_loans} loan(s) of member {member}, joined to members, after one UPDATE "
        "of their email",
    )
    code = collections.Counter(b.genre for b in seed.books.values()).most_common(1)[0][0]
    old_label = seed.genres[code]
    new_label = f"Renamed shelf {lib.uid}"
    db.execute(
        "UPDATE genres SET label = :new WHERE code = :code", {"new": new_label, "code": code}
    )
    expect_rows(
        db.query(
            "SELECT b.id, g.label FROM books b JOIN genres g ON g.code = b.genre_code "
            "WHERE b.genre_code = :code",
            {"code": code},
        ),
        [(i, new_label) for i, b in seed.books.items() if b.genre == code],
        ordered=False,
        what=f"the books of genre {code}, joined to genres, after one UPDATE of its label",
    )
    homes = lib.value_homes()
    stale = [(v, _homes_report(homes, v)) for v in (old, old_label) if v.lower() in homes]
    expect(
        not stale,
        "expected the old values to be gone after one UPDATE each (a copy of a fact that "
        "an UPDATE of its home row leaves behind is an update anomaly): "
        + "; ".join(f"{v!r} is still in {where}" for v, where in stale),
    )


@pytest.mark.stage("normalized")
def test_books_and_authors_meet_in_book_authors(library):
    """books and authors meet in book_authors, both ways; a listing twice is refused (23505)"""
    lib = library("001 up")
    db = lib.db
    genre = lib.genre(f"g-{lib.uid}", f"Anthologies {lib.uid}")
    authors = [lib.author() for _ in range(4)]
    books = [lib.book(genre) for _ in range(3)]
    pairs = {(books[0], a) for a in authors[:3]} | {(b, authors[3]) for b in books}
    for book, author in sorted(pairs, key=lambda p: (p[1], -p[0])):
        lib.listing(book, author)
    expect_rows(
        db.query(
            "SELECT a.id FROM book_authors ba JOIN authors a ON a.id = ba.author_id "
            "WHERE ba.book_id = :book",
            {"book": books[0]},
        ),
        [(a,) for b, a in pairs if b == books[0]],
        ordered=False,
        what=f"the authors of book {books[0]} through book_authors",
    )
    expect_rows(
        db.query(
            "SELECT b.id FROM book_authors ba JOIN books b ON b.id = ba.book_id "
            "WHERE ba.author_id = :author",
            {"author": authors[3]},
        ),
        [(b,) for b, a in pairs if a == authors[3]],
        ordered=False,
        what=f"the books of author {authors[3]} through book_authors",
    )
    db.expect_violation(
        "INSERT INTO book_authors (book_id, author_id) VALUES (:book, :author)",
        {"book": books[1], "author": authors[3]},
        sqlstate="23505",
        rule="the same author is never listed twice on the same book (a primary key or UNIQUE "
        "on book_authors (book_id, author_id))",
    )

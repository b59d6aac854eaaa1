-- 001_initial (up): the library's first schema.
-- Parents before children, so every REFERENCES points at a table that already exists.

-- Lookup table: the genres the library shelves by. The short code is the key.
CREATE TABLE genres (
    code  text PRIMARY KEY,
    label text NOT NULL UNIQUE
);

CREATE TABLE authors (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name text NOT NULL
);

CREATE TABLE books (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    isbn           text NOT NULL UNIQUE CHECK (isbn ~ '^[0-9]{13}$'),
    title          text NOT NULL,
    -- a genre that books are shelved under cannot be deleted (RESTRICT)
    genre_code     text NOT NULL REFERENCES genres (code) ON DELETE RESTRICT,
    published_year integer CHECK (published_year BETWEEN 1450 AND 2100),
    publisher      text NOT NULL CHECK (btrim(publisher) <> '')
);

-- The catalogue is searched by publisher.
CREATE INDEX books_publisher_idx ON books (publisher);

-- Many-to-many: a book has several authors, an author writes several books.
-- The composite primary key stops the same author being attached to a book twice.
CREATE TABLE book_authors (
    book_id   bigint NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    author_id bigint NOT NULL REFERENCES authors (id) ON DELETE RESTRICT,
    PRIMARY KEY (book_id, author_id)
);
-- The primary key's index serves "authors of a book"; this one serves "books of an author".
CREATE INDEX book_authors_author_id_idx ON book_authors (author_id);

-- One-to-many: the physical copies of a book.
CREATE TABLE copies (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    book_id bigint NOT NULL REFERENCES books (id) ON DELETE RESTRICT,
    barcode text NOT NULL UNIQUE
);
CREATE INDEX copies_book_id_idx ON copies (book_id);

CREATE TABLE members (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email     text NOT NULL CHECK (email LIKE '%_@_%'),
    full_name text NOT NULL,
    joined_on date NOT NULL DEFAULT current_date
);
-- Ann@Example.org and ann@example.org are the same address.
CREATE UNIQUE INDEX members_email_key ON members (lower(email));

CREATE TABLE loans (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    copy_id     bigint NOT NULL REFERENCES copies (id) ON DELETE RESTRICT,
    member_id   bigint NOT NULL REFERENCES members (id) ON DELETE RESTRICT,
    loaned_on   date NOT NULL DEFAULT current_date,
    due_on      date NOT NULL,
    returned_on date,
    CONSTRAINT loans_due_after_loan CHECK (due_on > loaned_on),
    CONSTRAINT loans_returned_after_loan CHECK (returned_on >= loaned_on)
);
-- A copy is on loan to at most one member at a time: one open (unreturned) loan per copy.
CREATE UNIQUE INDEX loans_one_open_loan_per_copy ON loans (copy_id) WHERE returned_on IS NULL;
CREATE INDEX loans_member_id_idx ON loans (member_id);

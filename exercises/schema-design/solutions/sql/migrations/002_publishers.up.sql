-- 002_publishers (up): publishers become their own table.
-- Schema change and data migration together: the runner applies this file in one transaction.

CREATE TABLE publishers (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name    text NOT NULL UNIQUE,
    country text CHECK (country ~ '^[A-Z]{2}$')
);

-- One publisher per distinct name the books carry, spelled exactly as it was.
INSERT INTO publishers (name)
SELECT DISTINCT publisher FROM books ORDER BY publisher;

-- Point every book at its publisher, then make the link mandatory.
ALTER TABLE books ADD COLUMN publisher_id bigint REFERENCES publishers (id) ON DELETE RESTRICT;
UPDATE books b SET publisher_id = p.id FROM publishers p WHERE p.name = b.publisher;
ALTER TABLE books ALTER COLUMN publisher_id SET NOT NULL;
CREATE INDEX books_publisher_id_idx ON books (publisher_id);

-- The name now lives in publishers only (this drops books_publisher_idx and the CHECK too).
ALTER TABLE books DROP COLUMN publisher;

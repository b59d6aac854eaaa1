-- 002_publishers (down): back to the schema 001 made, with every book's publisher name kept.

ALTER TABLE books ADD COLUMN publisher text;
UPDATE books b SET publisher = p.name FROM publishers p WHERE p.id = b.publisher_id;
ALTER TABLE books ALTER COLUMN publisher SET NOT NULL;
-- Everything 001 declared on the column comes back, under the same names.
ALTER TABLE books ADD CONSTRAINT books_publisher_check CHECK (btrim(publisher) <> '');
CREATE INDEX books_publisher_idx ON books (publisher);

ALTER TABLE books DROP COLUMN publisher_id;  -- drops books_publisher_id_idx and the foreign key
DROP TABLE publishers;

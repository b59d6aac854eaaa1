-- The admin's customer search box: e-mails containing a piece of text, any case.
--
-- Slow: make it fast with indexes.sql, or rewrite it here if no index can help it as it
-- is written. It must return exactly the same rows, in the same order, for every value of
-- its parameters; keep the :placeholders, the grader fills them in.
SELECT id, email
FROM customers
WHERE email ILIKE '%' || :term || '%'
ORDER BY id;

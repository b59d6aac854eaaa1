-- Log-in: find the customer whatever letter case they type their e-mail in.
--
-- Slow: make it fast with indexes.sql, or rewrite it here if no index can help it as it
-- is written. It must return exactly the same rows, in the same order, for every value of
-- its parameters; keep the :placeholders, the grader fills them in.
SELECT id, email, country
FROM customers
WHERE lower(email) = lower(:email);

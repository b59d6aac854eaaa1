-- Read: the customer with this e-mail address (no row when there is none). Parameter: :email.
SELECT id, name, email, country
FROM customers
WHERE email = :email;

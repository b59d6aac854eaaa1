-- Support pastes an order reference and an e-mail: every order that has the one
-- or belongs to the customer with the other.
--
-- Rewritten: an OR across the two tables of a join leaves the planner no index for either
-- side. Each condition alone is an index lookup; UNION (not UNION ALL) removes the order
-- that both find, as the OR returned it once. The ORDER BY applies to the whole union.
SELECT o.id, o.reference, o.status, o.total_cents, c.email
FROM orders AS o
JOIN customers AS c ON c.id = o.customer_id
WHERE o.reference = :reference
UNION
SELECT o.id, o.reference, o.status, o.total_cents, c.email
FROM customers AS c
JOIN orders AS o ON o.customer_id = c.id
WHERE lower(c.email) = lower(:email)
ORDER BY id;

-- Seven indexes for eleven queries. Each one is named after its columns and lists the
-- queries it serves: an index no query needs would only slow every insert down.

-- 01, 10: one order by its reference.
CREATE INDEX orders_reference_idx ON orders (reference);

-- 02, 03, 07, 10: one customer's orders. The equality column first, then the range and
-- ORDER BY column, so 03 reads a business customer's newest orders in order and stops after
-- 10; INCLUDE carries what 07 filters and sums, so 07 never reads the table.
CREATE INDEX orders_customer_placed_idx ON orders (customer_id, placed_at)
    INCLUDE (status, total_cents);

-- 04: the pending queue, in the queue's order. Partial: only the 0.5% of orders that are
-- pending are in it, so it is tiny and costs almost nothing on insert.
CREATE INDEX orders_pending_idx ON orders (placed_at, id) WHERE status = 'pending';

-- 05, 08: time windows, read in time order (no sort for the nightly export).
CREATE INDEX orders_placed_idx ON orders (placed_at);

-- 06: a store's orders over a period, store first so the period's entries of one store sit
-- side by side; INCLUDE (total_cents) makes the sum an index-only scan.
CREATE INDEX orders_store_placed_idx ON orders (store_id, placed_at) INCLUDE (total_cents);

-- 09, 10: case-insensitive e-mail lookups: the index holds the very expression the
-- queries compare.
CREATE INDEX customers_email_lower_idx ON customers (lower(email));

-- 11: ILIKE '%text%' has no fixed prefix for a B-tree; trigrams find text anywhere.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX customers_email_trgm_idx ON customers USING gin (email gin_trgm_ops);

-- The shop's data, for your own experiments: the same tables and the same kind of data as the
-- grader seeds (it makes new random data for every grading run, with other values).
--
--   createdb tuning
--   psql -d tuning -v ON_ERROR_STOP=1 -f seed.sql
--
-- Run it on an empty database: it creates the tables, fills them (about 1,000,000 orders and
-- 200,500 customers) and vacuums and analyzes them, as the grader does before your indexes.sql.
-- The 20 business customers are 1, 9974, 19947, ... (1 + k * 9973).

SELECT setseed(0.42);
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
  END IF;
END $$;

CREATE TABLE customers (
    id         integer PRIMARY KEY,
    email      text NOT NULL,
    country    text,
    created_at timestamptz NOT NULL
) WITH (autovacuum_enabled = off);

CREATE TABLE orders (
    id          bigint PRIMARY KEY,
    reference   text NOT NULL,
    customer_id integer NOT NULL,
    store_id    integer NOT NULL,
    status      text NOT NULL
                CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    total_cents integer NOT NULL,
    placed_at   timestamptz NOT NULL,
    note        text
) WITH (autovacuum_enabled = off);

INSERT INTO customers
SELECT i,
       (ARRAY['Ann','Bob','Cleo','Dev','Emma','Farid','Gita','Hugo','Ines','Jon','Kai','Lena',
              'Mo','Nora','Oskar','Pia'])[1 + (i * 7) % 16]
       || '.' ||
       (ARRAY['Lee','Moreau','Novak','Okafor','Perez','Quinn','Rossi','Sato','Tanaka','Ueda',
              'Varga','Weber','Xu'])[1 + (i * 11) % 13]
       || ((i::bigint * 48271) % 2147483647)::text || '@'
       || (ARRAY['example.com','Mail.test','shop.TEST','post.example'])[1 + (i * 5) % 4],
       CASE WHEN random() < 0.1 THEN NULL
            ELSE (ARRAY['FR','DE','NL','JP','BR','NG','IN','US'])[1 + (i * 3) % 8] END,
       timestamptz '2024-01-01' - interval '400 days' + random() * interval '1100 days'
FROM generate_series(1, 200000) AS i;

INSERT INTO orders
SELECT i,
       'R' || upper(lpad(to_hex((i * 2654435761::bigint + 12345) % 4294967296), 8, '0')),
       CASE WHEN random() < 0.1 THEN 1 + floor(random() * 20)::int * 9973
            ELSE 1 + floor(random() * 200000)::int END,
       1 + floor(random() * 200)::int,
       CASE WHEN r < 0.005 THEN 'pending' WHEN r < 0.10 THEN 'paid'
            WHEN r < 0.25 THEN 'shipped' WHEN r < 0.30 THEN 'cancelled'
            ELSE 'delivered' END,
       100 * (1 + floor(random() * 400)::int)
           - (ARRAY[1, 5, 51, 100])[1 + floor(random() * 4)::int],
       CASE WHEN random() < 0.003 THEN date_trunc('day', t) ELSE t END,
       CASE WHEN random() < 0.03
            THEN (ARRAY['leave at the door','gift wrap please','call before delivery'])
                 [1 + floor(random() * 3)::int] END
FROM (
    SELECT i, random() AS r,
           timestamptz '2024-01-01' + floor(random() * 730 * 86400) * interval '1 second' AS t
    FROM generate_series(1, 1000000) AS i
) AS s;

INSERT INTO customers
SELECT i, 'new.customer' || i || '@example.com', NULL,
       timestamptz '2024-01-01' + interval '730 days'
FROM generate_series(200000 + 1, 200000 + 500) AS i;

VACUUM (ANALYZE) orders, customers;

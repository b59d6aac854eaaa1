-- The bank's tables. The grader creates exactly these in a fresh database for every check
-- (your program never creates tables); load this file into your own database to try your
-- program by hand:  psql "$DATABASE_URL" -f schema.sql
--
-- Money is an integer number of cents. There is deliberately no CHECK (balance >= 0): keeping
-- balances from going negative is your program's job here (in production you would add the
-- constraint as well, as a safety net).

CREATE TABLE accounts (
    id      text PRIMARY KEY,
    owner   text NOT NULL,
    balance bigint NOT NULL
);

-- One row per successful transfer (the ledger).
CREATE TABLE transfers (
    id         bigserial PRIMARY KEY,
    from_id    text NOT NULL REFERENCES accounts (id),
    to_id      text NOT NULL REFERENCES accounts (id),
    amount     bigint NOT NULL CHECK (amount > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The on-call rota: every shift must keep at least one doctor on call.
CREATE TABLE doctors (
    id      text PRIMARY KEY,
    name    text NOT NULL,
    shift   text NOT NULL,
    on_call boolean NOT NULL
);

-- A few rows to play with.
INSERT INTO accounts (id, owner, balance) VALUES
    ('alice', 'Alice', 10000),
    ('bob', 'Bob', 2500),
    ('carol', 'Carol', 0);
INSERT INTO doctors (id, name, shift, on_call) VALUES
    ('d-ana', 'Ana', 'night', true),
    ('d-ben', 'Ben', 'night', true),
    ('d-cho', 'Cho', 'night', false),
    ('d-dev', 'Dev', 'day', true);

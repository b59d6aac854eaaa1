"""Schema migrations, applied in order at start-up, each once.

Every migration runs in its own transaction together with its row in ``schema_migrations``;
an advisory lock serialises servers starting at the same time against one database.
"""

import psycopg

# Append only: never edit a migration that has shipped, add a new one.
MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE users (
            id            bigserial PRIMARY KEY,
            email         text NOT NULL,
            username      text NOT NULL UNIQUE,
            password_hash text NOT NULL,
            role          text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin'))
        );
        -- E-mail addresses are compared without regard to case.
        CREATE UNIQUE INDEX users_email ON users (lower(email));

        CREATE TABLE products (
            id          bigserial PRIMARY KEY,
            name        text NOT NULL,
            description text NOT NULL DEFAULT '',
            price       bigint NOT NULL CHECK (price > 0),
            currency    text NOT NULL DEFAULT 'EUR',
            -- The CHECK is the last line of defence against overselling.
            stock       integer NOT NULL CHECK (stock >= 0),
            created_at  timestamptz NOT NULL DEFAULT now(),
            updated_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX products_created ON products (created_at, id);
        CREATE INDEX products_price ON products (price, id);

        CREATE TABLE cart_items (
            user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            product_id bigint NOT NULL REFERENCES products (id) ON DELETE CASCADE,
            quantity   integer NOT NULL CHECK (quantity > 0),
            -- Items are shown in the order they were first added.
            position   bigserial,
            PRIMARY KEY (user_id, product_id)
        );

        CREATE TABLE orders (
            id                bigserial PRIMARY KEY,
            user_id           bigint NOT NULL REFERENCES users (id),
            status            text NOT NULL,
            total             bigint NOT NULL CHECK (total > 0),
            refunded_amount   bigint NOT NULL DEFAULT 0,
            currency          text NOT NULL DEFAULT 'EUR',
            -- Random per order: makes the provider idempotency key unique even when
            -- order ids repeat (a database recreated while the provider kept its keys).
            payment_key       uuid NOT NULL DEFAULT gen_random_uuid(),
            payment_intent_id text UNIQUE,
            client_secret     text,
            created_at        timestamptz NOT NULL DEFAULT now(),
            updated_at        timestamptz NOT NULL DEFAULT now(),
            CHECK (refunded_amount BETWEEN 0 AND total)
        );
        CREATE INDEX orders_user ON orders (user_id, id);
        CREATE INDEX orders_created ON orders (created_at);

        CREATE TABLE order_items (
            order_id   bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
            position   integer NOT NULL,
            -- No foreign key: an order keeps its lines after the product is deleted.
            product_id bigint NOT NULL,
            name       text NOT NULL,
            unit_price bigint NOT NULL,
            quantity   integer NOT NULL,
            PRIMARY KEY (order_id, position)
        );

        CREATE TABLE order_history (
            id          bigserial PRIMARY KEY,
            order_id    bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
            from_status text,
            to_status   text NOT NULL,
            at          timestamptz NOT NULL DEFAULT clock_timestamp()
        );
        CREATE INDEX order_history_order ON order_history (order_id, id);

        -- One row per (user, key): the primary key decides which of two racing requests runs.
        CREATE TABLE idempotency_keys (
            user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            key         text NOT NULL,
            fingerprint text NOT NULL,
            status_code integer,
            response    json,  -- json, not jsonb: a replay answers the same bytes
            created_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (user_id, key)
        );

        CREATE TABLE refunds (
            id                 bigserial PRIMARY KEY,
            order_id           bigint NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
            amount             bigint NOT NULL CHECK (amount > 0),
            status             text NOT NULL DEFAULT 'pending',
            provider_refund_id text UNIQUE,
            created_at         timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX refunds_order ON refunds (order_id);

        -- Webhook events by provider id: a duplicate delivery conflicts here and changes nothing.
        CREATE TABLE payment_events (
            id          text PRIMARY KEY,
            type        text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now()
        );
        """,
    ),
]

_LOCK_ID = 7_310_045_512  # any constant shared by every server of this app


def migrate(conn: psycopg.Connection) -> list[str]:
    """Apply the migrations this database lacks; return their names."""
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            with conn.transaction():
                conn.execute(sql)  # type: ignore[arg-type]
                conn.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
            applied.append(name)
    return applied

// Schema migrations, applied in order at start-up; each runs once, in its own transaction.
import { transaction } from './db.js';

// Append only: a migration that has run anywhere is never edited, a change is a new entry.
const MIGRATIONS = [
  {
    name: 'initial schema',
    sql: `
      CREATE TABLE users (
        id            BIGSERIAL PRIMARY KEY,
        email         TEXT NOT NULL,
        username      TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin')),
        created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      -- Emails are compared case-insensitively, so Ann@x and ann@x are one account.
      CREATE UNIQUE INDEX users_email_key ON users (lower(email));

      CREATE TABLE products (
        id          BIGSERIAL PRIMARY KEY,
        name        TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        price       BIGINT NOT NULL CHECK (price > 0),
        currency    TEXT NOT NULL DEFAULT 'EUR' CHECK (currency = 'EUR'),
        -- The CHECK is the last line of defence against overselling.
        stock       INTEGER NOT NULL CHECK (stock >= 0),
        version     INTEGER NOT NULL DEFAULT 1,
        created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX products_created_idx ON products (created_at, id);
      CREATE INDEX products_price_idx ON products (price, id);

      CREATE TABLE cart_items (
        user_id    BIGINT NOT NULL REFERENCES users ON DELETE CASCADE,
        product_id BIGINT NOT NULL REFERENCES products ON DELETE CASCADE,
        quantity   INTEGER NOT NULL CHECK (quantity > 0),
        -- A sequence, not a timestamp: two items added in the same microsecond keep their order.
        position   BIGSERIAL,
        PRIMARY KEY (user_id, product_id)
      );

      CREATE TABLE orders (
        id                BIGSERIAL PRIMARY KEY,
        user_id           BIGINT NOT NULL REFERENCES users,
        status            TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'fulfilled',
                            'delivered', 'cancelled', 'partially_refunded', 'refunded')),
        total             BIGINT NOT NULL CHECK (total > 0),
        currency          TEXT NOT NULL DEFAULT 'EUR',
        refunded_amount   BIGINT NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0),
        -- Refunds asked of the provider, confirmed or not: bounds the next refund request.
        refund_requested  BIGINT NOT NULL DEFAULT 0 CHECK (refund_requested <= total),
        payment_intent_id TEXT UNIQUE,
        client_secret     TEXT,
        created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at        TIMESTAMPTZ NOT NULL DEFAULT now()
      );
      CREATE INDEX orders_user_idx ON orders (user_id, id);
      CREATE INDEX orders_created_idx ON orders (created_at);

      -- Items copy the name and price at checkout: later catalog edits never rewrite an order.
      -- product_id has no foreign key so a product can be deleted without touching old orders.
      CREATE TABLE order_items (
        order_id   BIGINT NOT NULL REFERENCES orders ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        product_id BIGINT NOT NULL,
        name       TEXT NOT NULL,
        unit_price BIGINT NOT NULL,
        quantity   INTEGER NOT NULL,
        PRIMARY KEY (order_id, position)
      );

      CREATE TABLE order_history (
        id          BIGSERIAL PRIMARY KEY,
        order_id    BIGINT NOT NULL REFERENCES orders ON DELETE CASCADE,
        from_status TEXT,
        to_status   TEXT NOT NULL,
        at          TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX order_history_order_idx ON order_history (order_id, id);

      -- The primary key decides races: of two concurrent requests with one key, one inserts.
      CREATE TABLE idempotency_keys (
        user_id     BIGINT NOT NULL REFERENCES users ON DELETE CASCADE,
        key         TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status_code INTEGER NOT NULL,
        -- The answer as sent (text: JSONB would reorder its keys), so a replay is identical.
        response    TEXT NOT NULL,
        created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      );

      CREATE TABLE refunds (
        id                 BIGSERIAL PRIMARY KEY,
        order_id           BIGINT NOT NULL REFERENCES orders ON DELETE CASCADE,
        amount             BIGINT NOT NULL CHECK (amount > 0),
        status             TEXT NOT NULL DEFAULT 'pending',
        provider_refund_id TEXT UNIQUE,
        created_at         TIMESTAMPTZ NOT NULL DEFAULT now()
      );

      -- Every webhook event id is recorded once; a duplicate delivery finds its row.
      CREATE TABLE webhook_events (
        id          TEXT PRIMARY KEY,
        type        TEXT NOT NULL,
        received_at TIMESTAMPTZ NOT NULL DEFAULT now()
      );
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.length;

export async function migrate(pool) {
  await pool.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  for (const [index, migration] of MIGRATIONS.entries()) {
    const version = index + 1;
    await transaction(pool, async (client) => {
      // Two servers starting at once on one database take turns instead of both migrating.
      await client.query('SELECT pg_advisory_xact_lock(7243001)');
      const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [
        version,
      ]);
      if (done.rowCount > 0) return;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        version,
        migration.name,
      ]);
      console.log(`applied migration ${version}: ${migration.name}`);
    });
  }
}

// SQLite access with libsql (better-sqlite3's synchronous API, prebuilt binaries).
import Database from 'libsql';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  username      TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL              -- scrypt, "salt$hash" in hex
);
CREATE TABLE IF NOT EXISTS tokens (
  token_hash TEXT PRIMARY KEY,             -- sha256 of the token: a leaked table logs no one in
  user_id    INTEGER NOT NULL REFERENCES users(id)
);
CREATE TABLE IF NOT EXISTS orders (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  item       TEXT NOT NULL,
  quantity   INTEGER NOT NULL,
  card_last4 TEXT NOT NULL,                -- never the whole card number
  created_at TEXT NOT NULL
);
`;

export function openDatabase(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  return db;
}

// A row as the API's JSON order, field by field (libsql rows carry an extra _metadata).
export function toOrder(row) {
  return {
    id: Number(row.id),
    item: row.item,
    quantity: Number(row.quantity),
    card_last4: row.card_last4,
    created_at: row.created_at,
  };
}

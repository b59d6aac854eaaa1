// SQLite storage: opens the file and creates the tables if missing.
// libsql has better-sqlite3's synchronous API and ships prebuilt binaries: nothing to compile.
// Synchronous calls also mean that no other request runs between two statements of a handler
// unless the handler awaits in between.
import Database from 'libsql';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'editor', 'admin'))
);

-- Refresh tokens are stored as their SHA-256: a copy of the database is no key to anyone's
-- account. All the tokens that descend from one login share a family_id.
CREATE TABLE IF NOT EXISTS refresh_tokens (
  id         INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  family_id  TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER,
  revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family ON refresh_tokens(family_id);

-- One row per failed login and key ("email:<email>", "ip:<address>").
CREATE TABLE IF NOT EXISTS login_failures (
  key TEXT NOT NULL,
  at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_failures_key ON login_failures(key, at);

CREATE TABLE IF NOT EXISTS notes (
  id       INTEGER PRIMARY KEY,
  owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title    TEXT NOT NULL,
  body     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_owner ON notes(owner_id, id);
`;

export function openDatabase(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

  // Prepared statements are compiled once and reused.
  const cache = new Map();
  db.stmt = (sql) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  return db;
}

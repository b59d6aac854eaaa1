// SQLite access. The database file is $DATABASE_PATH (learnpath sets it), else auth.db.
import Database from 'libsql';

// The users table is part of the contract: the grader reads it, and writes to it (an account
// with an old hash, a first admin). Keep these columns; give any column you add a default.
// Add your own tables below as the stages need them (refresh tokens, failed logins, notes).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL DEFAULT 'user'
);
`;

export function openDatabase(path = process.env.DATABASE_PATH || 'auth.db') {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

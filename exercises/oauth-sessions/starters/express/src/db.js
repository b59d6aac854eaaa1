// SQLite storage: opens the file and creates the tables if missing.
// libsql has better-sqlite3's synchronous API and ships prebuilt binaries: nothing to compile.
import Database from 'libsql';

// Users are found by the provider's sub. Add the tables the stages need (sessions, notes).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id    INTEGER PRIMARY KEY,
  sub   TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  name  TEXT NOT NULL DEFAULT ''
);
`;

export function openDatabase(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

// SQLite storage: opens the file and creates the tables if missing.
// libsql has better-sqlite3's synchronous API and ships prebuilt binaries: nothing to compile.
import Database from 'libsql';

const SCHEMA = `
-- People who signed in with the provider. sub (the provider's subject) is who they are:
-- their email may change at the provider, their sub does not.
CREATE TABLE IF NOT EXISTS users (
  id    INTEGER PRIMARY KEY,
  sub   TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  name  TEXT NOT NULL DEFAULT ''
);

-- Server-side sessions. The cookie holds a random id (signed with SESSION_SECRET); the table
-- holds only its SHA-256. A session without user_id is a sign-in in progress: it carries the
-- state, PKCE verifier and nonce of the authorization request it started.
CREATE TABLE IF NOT EXISTS sessions (
  id_hash        TEXT PRIMARY KEY,
  user_id        INTEGER REFERENCES users(id) ON DELETE CASCADE,
  csrf_token     TEXT NOT NULL,
  login_state    TEXT,
  login_verifier TEXT,
  login_nonce    TEXT,
  login_started  INTEGER,
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);

CREATE TABLE IF NOT EXISTS notes (
  id         INTEGER PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  text       TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_user ON notes(user_id, id);
`;

export function openDatabase(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}

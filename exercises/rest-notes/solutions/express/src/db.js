// SQLite access with libsql (better-sqlite3's synchronous API, prebuilt binaries).
// Every handler runs its queries synchronously, with no await in between, so Node's single
// thread makes "read the note, check its ETag, write it" one step: nothing can interleave.
import Database from 'libsql';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS notes (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so neither are ETags
  title      TEXT NOT NULL UNIQUE,
  body       TEXT,
  tags       TEXT NOT NULL DEFAULT '[]',         -- a JSON list of strings
  priority   INTEGER NOT NULL DEFAULT 3,
  version    INTEGER NOT NULL DEFAULT 1,         -- +1 on every change; part of the ETag
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_created ON notes(created_at, id);
CREATE INDEX IF NOT EXISTS notes_priority ON notes(priority, id);
`;

export const COLUMNS = 'id, title, body, tags, priority, version, created_at, updated_at';

export function openDatabase(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  return db;
}

// A row as the API's JSON note, field by field (libsql rows carry an extra _metadata).
export function toNote(row) {
  return {
    id: Number(row.id),
    title: row.title,
    body: row.body,
    tags: JSON.parse(row.tags),
    priority: Number(row.priority),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

// A strong ETag: the quotes are part of it. It changes whenever the version does.
export const etagOf = (row) => `"${row.id}-${row.version}"`;

export const getRow = (db, id) => db.prepare(`SELECT ${COLUMNS} FROM notes WHERE id = ?`).get(id);

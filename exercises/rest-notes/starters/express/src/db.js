// SQLite access. The database file is $DATABASE_PATH (learnpath sets it), else notes.db.
import Database from 'libsql';

// Change the table as the stages need it (a UNIQUE title, a version for ETags...). CREATE
// TABLE IF NOT EXISTS leaves an existing table alone: delete your local notes.db after a
// change (learnpath grade always gives your server a fresh, empty file).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS notes (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  title      TEXT NOT NULL,
  body       TEXT,
  tags       TEXT NOT NULL DEFAULT '[]',  -- a JSON list of strings: JSON.stringify(tags)
  priority   INTEGER NOT NULL DEFAULT 3,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
`;

export function openDatabase(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(SCHEMA);
  return db;
}

// A row of the notes table as the API's JSON note, field by field (libsql rows carry an
// extra _metadata field).
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

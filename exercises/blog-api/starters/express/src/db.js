// SQLite access. The database file is $DATABASE_PATH (learnpath sets it), else conduit.db.
import Database from 'libsql';

// Add your tables here as the stages need them (users for stage 2, articles later...).
const SCHEMA = `
CREATE TABLE IF NOT EXISTS article_tags (
  article_id INTEGER NOT NULL,
  tag        TEXT NOT NULL,
  PRIMARY KEY (article_id, tag)
);
`;

export function openDatabase(path = process.env.DATABASE_PATH || 'conduit.db') {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  return db;
}

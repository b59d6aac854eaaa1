// Notes: owners do anything with their own; editors read and change all; admins also delete.
import { Router } from 'express';
import { forbidden, notFound, unprocessable } from '../errors.js';

const seesAll = (user) => user.role === 'editor' || user.role === 'admin';
const toNote = (row) => ({ id: row.id, owner_id: row.owner_id, title: row.title, body: row.body });

function text(body, field, { optional = false } = {}) {
  if (optional && !(field in body)) return undefined;
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') throw unprocessable(field);
  return value;
}

export function noteRoutes(db, { requireUser }) {
  const router = Router();
  router.use(requireUser);

  // The note, if the user may see it; otherwise 404, as if it did not exist.
  function visible(id, user) {
    const row = db
      .stmt('SELECT * FROM notes WHERE id = ? AND (owner_id = ? OR ?)')
      .get(Number(id) || 0, user.id, seesAll(user) ? 1 : 0);
    if (!row) throw notFound('note');
    return row;
  }

  router.post('/', (req, res) => {
    const body = req.body ?? {};
    const title = text(body, 'title');
    const content = text(body, 'body');
    const insert = db.stmt('INSERT INTO notes (owner_id, title, body) VALUES (?, ?, ?)');
    const result = insert.run(req.user.id, title, content);
    res.status(201).json({ note: { id: Number(result.lastInsertRowid), owner_id: req.user.id, title, body: content } });
  });

  router.get('/', (req, res) => {
    const rows = seesAll(req.user)
      ? db.stmt('SELECT * FROM notes ORDER BY id').all()
      : db.stmt('SELECT * FROM notes WHERE owner_id = ? ORDER BY id').all(req.user.id);
    res.json({ notes: rows.map(toNote) });
  });

  router.get('/:id', (req, res) => {
    res.json({ note: toNote(visible(req.params.id, req.user)) });
  });

  router.put('/:id', (req, res) => {
    const body = req.body ?? {};
    const note = toNote(visible(req.params.id, req.user));
    note.title = text(body, 'title', { optional: true }) ?? note.title;
    note.body = text(body, 'body', { optional: true }) ?? note.body;
    db.stmt('UPDATE notes SET title = ?, body = ? WHERE id = ?').run(note.title, note.body, note.id);
    res.json({ note });
  });

  router.delete('/:id', (req, res) => {
    const row = visible(req.params.id, req.user);
    if (row.owner_id !== req.user.id && req.user.role !== 'admin') throw forbidden('note');
    db.stmt('DELETE FROM notes WHERE id = ?').run(row.id);
    res.status(204).end();
  });

  return router;
}

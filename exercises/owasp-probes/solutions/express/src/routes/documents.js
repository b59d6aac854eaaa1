// Documents and their comments: every query is scoped to the signed-in user.
//
// A document that is not yours answers 404, exactly like one that does not exist: nobody learns
// what ids other people have, and guessing them gets nowhere.
import { Router } from 'express';
import { config } from '../config.js';
import { HttpError, forbidden, notFound, unprocessable } from '../errors.js';
import { FetchFailed, Refused, fetchText } from '../fetch.js';
import { hit } from '../ratelimit.js';

// The only sort orders there are. The client picks a key; the SQL is ours.
const SORTS = {
  title: 'title ASC, id ASC',
  '-title': 'title DESC, id DESC',
  created_at: 'created_at ASC, id ASC',
  '-created_at': 'created_at DESC, id DESC',
};

export const documentJson = (row) => ({
  id: row.id,
  owner_id: row.owner_id,
  title: row.title,
  body: row.body,
  source_url: row.source_url,
  created_at: row.created_at,
});

const commentJson = (row) => ({
  id: row.id,
  document_id: row.document_id,
  author_id: row.author_id,
  body: row.body,
  created_at: row.created_at,
});

const text = (value) => (typeof value === 'string' ? value : undefined);

function titleFrom(raw) {
  try {
    const url = new URL(raw);
    const parts = url.pathname.split('/').filter(Boolean);
    return parts.length ? decodeURIComponent(parts[parts.length - 1]) : url.hostname;
  } catch {
    return 'imported';
  }
}

export function documentRoutes(db, requireUser) {
  const router = Router();
  router.use(requireUser);

  const owned = (docId, userId) => {
    const row = db.prepare('SELECT * FROM documents WHERE id = ? AND owner_id = ?').get(Number(docId), userId);
    if (!row) throw notFound('document');
    return row;
  };
  const insert = (ownerId, title, body, url) => {
    const result = db
      .prepare('INSERT INTO documents (owner_id, title, body, source_url) VALUES (?, ?, ?, ?)')
      .run(ownerId, title, body, url);
    return db.prepare('SELECT * FROM documents WHERE id = ?').get(Number(result.lastInsertRowid));
  };

  router.get('/', (req, res) => {
    const { q, owner } = req.query;
    const sort = req.query.sort ?? '-created_at';
    const order = Object.hasOwn(SORTS, sort) ? SORTS[sort] : undefined;
    if (order === undefined) throw unprocessable('sort', `must be one of ${Object.keys(SORTS).join(', ')}`);
    if (owner !== undefined && owner !== String(req.user.id)) throw forbidden('owner');
    let sql = 'SELECT * FROM documents WHERE owner_id = ?';
    const params = [req.user.id];
    if (typeof q === 'string' && q !== '') {
      // instr() finds the text as it is: no quoting to get wrong, no LIKE wildcards
      sql += ' AND (instr(lower(title), lower(?)) > 0 OR instr(lower(body), lower(?)) > 0)';
      params.push(q, q);
    }
    const rows = db.prepare(`${sql} ORDER BY ${order}`).all(...params);
    res.json({ documents: rows.map(documentJson) });
  });

  router.post('/', (req, res) => {
    const title = text(req.body?.title);
    if (!title || title.trim() === '') throw unprocessable('title');
    res.status(201).json({ document: documentJson(insert(req.user.id, title, text(req.body?.body) ?? '', null)) });
  });

  router.get('/export', (req, res) => {
    hit(`export:${req.user.id}`, config.exportLimit);
    const rows = db.prepare('SELECT * FROM documents WHERE owner_id = ? ORDER BY id').all(req.user.id);
    res.json({ documents: rows.map(documentJson) });
  });

  router.post('/import', async (req, res) => {
    const url = text(req.body?.url)?.trim();
    if (!url) throw unprocessable('url');
    let body;
    try {
      body = await fetchText(url);
    } catch (err) {
      if (err instanceof Refused) throw unprocessable('url', err.message);
      if (err instanceof FetchFailed) throw new HttpError(502, { url: [err.message] });
      throw err;
    }
    const title = text(req.body?.title)?.trim() || titleFrom(url);
    res.status(201).json({ document: documentJson(insert(req.user.id, title, body, url)) });
  });

  router.get('/:id', (req, res) => {
    res.json({ document: documentJson(owned(req.params.id, req.user.id)) });
  });

  router.patch('/:id', (req, res) => {
    const row = owned(req.params.id, req.user.id);
    const title = text(req.body?.title);
    const body = text(req.body?.body);
    if (title !== undefined && title.trim() === '') throw unprocessable('title');
    db.prepare('UPDATE documents SET title = ?, body = ? WHERE id = ? AND owner_id = ?').run(
      title ?? row.title,
      body ?? row.body,
      row.id,
      req.user.id,
    );
    res.json({ document: documentJson(owned(row.id, req.user.id)) });
  });

  router.delete('/:id', (req, res) => {
    const row = owned(req.params.id, req.user.id);
    db.prepare('DELETE FROM documents WHERE id = ? AND owner_id = ?').run(row.id, req.user.id);
    res.status(204).end();
  });

  router.get('/:id/comments', (req, res) => {
    const doc = owned(req.params.id, req.user.id);
    const rows = db.prepare('SELECT * FROM comments WHERE document_id = ? ORDER BY id').all(doc.id);
    res.json({ comments: rows.map(commentJson) });
  });

  router.post('/:id/comments', (req, res) => {
    const doc = owned(req.params.id, req.user.id);
    const body = text(req.body?.body);
    if (!body || body.trim() === '') throw unprocessable('body');
    const result = db
      .prepare('INSERT INTO comments (document_id, author_id, body) VALUES (?, ?, ?)')
      .run(doc.id, req.user.id, body);
    const row = db.prepare('SELECT * FROM comments WHERE id = ?').get(Number(result.lastInsertRowid));
    res.status(201).json({ comment: commentJson(row) });
  });

  return router;
}

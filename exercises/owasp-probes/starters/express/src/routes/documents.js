// Documents and their comments, search and sort, an export and an import from a URL.
import { Router } from 'express';
import { HttpError, notFound, unprocessable } from '../errors.js';
import { FetchFailed, Refused, fetchText } from '../fetch.js';

const DOCUMENT_COLUMNS = ['id', 'owner_id', 'title', 'body', 'source_url', 'created_at'];
const COMMENT_COLUMNS = ['id', 'document_id', 'author_id', 'body', 'created_at'];

const pick = (body, columns) => Object.fromEntries(Object.entries(body ?? {}).filter(([key]) => columns.includes(key)));
const blank = (value) => typeof value !== 'string' || value.trim() === '';

function titleFrom(raw) {
  try {
    const url = new URL(raw);
    const parts = url.pathname.split('/').filter(Boolean);
    return parts.length ? decodeURIComponent(parts[parts.length - 1]) : url.hostname || raw;
  } catch {
    return raw;
  }
}

export function documentRoutes(db, requireUser) {
  const router = Router();
  router.use(requireUser);

  const find = (id) => {
    const row = db.prepare('SELECT * FROM documents WHERE id = ?').get(Number(id));
    if (!row) throw notFound('document');
    return row;
  };
  const insert = (table, row) => {
    const columns = Object.keys(row);
    const result = db
      .prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
      .run(...Object.values(row));
    return db.prepare(`SELECT * FROM ${table} WHERE id = ?`).get(Number(result.lastInsertRowid));
  };

  router.get('/', (req, res) => {
    const { q, owner } = req.query;
    const sort = String(req.query.sort ?? '-created_at');
    // ?owner= picks whose documents to list; yours by default.
    let sql = `SELECT * FROM documents WHERE owner_id = ${owner || req.user.id}`;
    if (q) sql += ` AND (title LIKE '%${q}%' OR body LIKE '%${q}%')`;
    const direction = sort.startsWith('-') ? 'DESC' : 'ASC';
    sql += ` ORDER BY ${sort.replace(/^-/, '')} ${direction}, id ${direction}`;
    res.json({ documents: db.prepare(sql).all() });
  });

  router.post('/', (req, res) => {
    if (blank(req.body?.title)) throw unprocessable('title');
    const row = { owner_id: req.user.id, body: '', ...pick(req.body, DOCUMENT_COLUMNS) };
    res.status(201).json({ document: insert('documents', row) });
  });

  router.get('/export', (req, res) => {
    res.json({ documents: db.prepare('SELECT * FROM documents WHERE owner_id = ? ORDER BY id').all(req.user.id) });
  });

  router.post('/import', async (req, res) => {
    const url = typeof req.body?.url === 'string' ? req.body.url.trim() : '';
    if (!url) throw unprocessable('url');
    let body;
    try {
      body = await fetchText(url);
    } catch (err) {
      if (err instanceof Refused) throw unprocessable('url', err.message);
      if (err instanceof FetchFailed) throw new HttpError(502, { url: [err.message] });
      throw err;
    }
    const title = blank(req.body.title) ? titleFrom(url) : req.body.title.trim();
    res.status(201).json({ document: insert('documents', { owner_id: req.user.id, title, body, source_url: url }) });
  });

  router.get('/:id', (req, res) => {
    res.json({ document: find(req.params.id) });
  });

  router.patch('/:id', (req, res) => {
    const doc = find(req.params.id);
    if ('title' in (req.body ?? {}) && blank(req.body.title)) throw unprocessable('title');
    for (const [key, value] of Object.entries(pick(req.body, DOCUMENT_COLUMNS))) {
      db.prepare(`UPDATE documents SET ${key} = ? WHERE id = ?`).run(value, doc.id);
    }
    res.json({ document: find(doc.id) });
  });

  router.delete('/:id', (req, res) => {
    const doc = find(req.params.id);
    db.prepare('DELETE FROM documents WHERE id = ?').run(doc.id);
    res.status(204).end();
  });

  router.get('/:id/comments', (req, res) => {
    const doc = find(req.params.id);
    res.json({ comments: db.prepare('SELECT * FROM comments WHERE document_id = ? ORDER BY id').all(doc.id) });
  });

  router.post('/:id/comments', (req, res) => {
    const doc = find(req.params.id);
    if (blank(req.body?.body)) throw unprocessable('body');
    const row = { document_id: doc.id, author_id: req.user.id, ...pick(req.body, COMMENT_COLUMNS) };
    res.status(201).json({ comment: insert('comments', row) });
  });

  return router;
}

// Notes: one REST resource, done right. Every answer is JSON; every error a problem.
import express from 'express';
import { etagOf, getRow, toNote } from './db.js';
import { listNotes, parseQuery } from './listing.js';
import { errorHandler, notFound, Problem, taken, unknownPath } from './problems.js';
import { mergePatch, validateNote } from './validation.js';

const JSON_TYPE = 'application/json';
const MERGE_PATCH = 'application/merge-patch+json';

// The body of a request that must be sent as `type` (express.json() parsed it already).
function bodyOf(req, type) {
  if (!req.is(type)) {
    const sent = req.get('content-type') || 'no Content-Type';
    throw new Problem(415, `send the body as Content-Type: ${type} (got ${sent})`, {
      headers: type === MERGE_PATCH ? { 'Accept-Patch': MERGE_PATCH } : undefined,
    });
  }
  return req.body;
}

// The note an :id names, or a 404 (also for ids like "abc" that cannot name a note).
function noteRow(db, raw) {
  const row = /^[1-9][0-9]{0,15}$/.test(raw) ? getRow(db, Number(raw)) : undefined;
  if (!row) throw notFound(raw);
  return row;
}

const etagList = (header) => header.split(',').map((tag) => tag.trim()).filter(Boolean);

// 412 unless If-Match is absent, "*", or names the current ETag (strong comparison: a weak
// W/ tag never matches).
function checkIfMatch(req, row) {
  const header = req.get('if-match');
  if (header === undefined || header.trim() === '*') return;
  const current = etagOf(row);
  if (!etagList(header).includes(current)) {
    throw new Problem(412, `note ${row.id} has changed since you read it (its ETag is now ${current})`);
  }
}

const isUniqueViolation = (err) => String(err.code || '').startsWith('SQLITE_CONSTRAINT');

function sendNote(res, row, status = 200) {
  res.status(status).set('ETag', etagOf(row)).json(toNote(row));
}

export function createApp(db) {
  const app = express();
  app.set('etag', false); // our own strong ETags on notes; none on the other answers
  app.use(express.json({ type: [JSON_TYPE, MERGE_PATCH] }));

  app.post('/notes', (req, res) => {
    const note = validateNote(bodyOf(req, JSON_TYPE));
    const now = new Date().toISOString();
    let info;
    try {
      info = db
        .prepare('INSERT INTO notes (title, body, tags, priority, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(note.title, note.body, JSON.stringify(note.tags), note.priority, now, now);
    } catch (err) {
      if (isUniqueViolation(err)) throw taken(note.title);
      throw err;
    }
    const row = getRow(db, Number(info.lastInsertRowid));
    res.location(`/notes/${row.id}`);
    sendNote(res, row, 201);
  });

  app.get('/notes', (req, res) => {
    res.json(listNotes(db, parseQuery(req.query)));
  });

  app.get('/notes/:id', (req, res) => {
    const row = noteRow(db, req.params.id);
    const etag = etagOf(row);
    const wanted = req.get('if-none-match');
    // Weak comparison: W/"7-3" matches "7-3" here.
    if (wanted !== undefined) {
      const seen = etagList(wanted).map((tag) => tag.replace(/^W\//, ''));
      if (seen.includes('*') || seen.includes(etag)) {
        res.status(304).set('ETag', etag).end();
        return;
      }
    }
    sendNote(res, row);
  });

  // Replace a note with `note` (PUT) or with the stored note merged with `patch` (PATCH),
  // once If-Match allows it. All synchronous: nothing else runs in between.
  function store(req, res, note, patch) {
    const row = noteRow(db, req.params.id);
    checkIfMatch(req, row);
    if (note === null) {
      const { title, body, tags, priority } = toNote(row);
      note = validateNote(mergePatch({ title, body, tags, priority }, patch));
    }
    const now = new Date().toISOString();
    try {
      db.prepare(
        'UPDATE notes SET title = ?, body = ?, tags = ?, priority = ?, version = version + 1, updated_at = ? WHERE id = ?',
      ).run(note.title, note.body, JSON.stringify(note.tags), note.priority, now > row.updated_at ? now : row.updated_at, row.id);
    } catch (err) {
      if (isUniqueViolation(err)) throw taken(note.title);
      throw err;
    }
    sendNote(res, getRow(db, row.id));
  }

  app.put('/notes/:id', (req, res) => {
    store(req, res, validateNote(bodyOf(req, JSON_TYPE)), null);
  });

  app.patch('/notes/:id', (req, res) => {
    store(req, res, null, bodyOf(req, MERGE_PATCH));
  });

  app.delete('/notes/:id', (req, res) => {
    const row = noteRow(db, req.params.id);
    checkIfMatch(req, row);
    db.prepare('DELETE FROM notes WHERE id = ?').run(row.id);
    res.status(204).end();
  });

  app.use(unknownPath);
  app.use(errorHandler);
  return app;
}

// Accounts: sign up, log in, your own profile, other people's public profiles, the admin list.
//
// Bodies are read field by field: only what a client may set is picked out of them, so a role,
// is_admin, id or password_hash sent along never reaches the database. Responses are built field
// by field too: a password hash cannot leak through a SELECT *.
import { Router } from 'express';
import { config } from '../config.js';
import { HttpError, forbidden, notFound, unprocessable } from '../errors.js';
import { hit } from '../ratelimit.js';
import { DUMMY_HASH, hashPassword, newSession, verifyPassword } from '../security.js';
import { documentJson } from './documents.js';

// What users see of themselves (and the admin of everyone).
export const accountJson = (row) => ({ id: row.id, email: row.email, name: row.name, role: row.role });
// What anyone signed in sees of another user.
export const profileJson = (row) => ({ id: row.id, name: row.name });

function required(body, field) {
  const value = body?.[field];
  if (typeof value !== 'string' || value.trim() === '') throw unprocessable(field);
  return value;
}

export function userRoutes(db, requireUser) {
  const router = Router();
  const byId = db.prepare('SELECT * FROM users WHERE id = ?');

  router.post('/users', async (req, res) => {
    const email = required(req.body, 'email').trim().toLowerCase();
    const password = required(req.body, 'password');
    const name = required(req.body, 'name').trim();
    if (password.length < 8) throw unprocessable('password', 'is too short (minimum is 8 characters)');
    const passwordHash = await hashPassword(password);
    let result;
    try {
      result = db
        .prepare('INSERT INTO users (email, name, password_hash) VALUES (?, ?, ?)')
        .run(email, name, passwordHash);
    } catch (err) {
      if (String(err.code).startsWith('SQLITE_CONSTRAINT')) {
        throw new HttpError(409, { email: ['has already been taken'] });
      }
      throw err;
    }
    const user = byId.get(Number(result.lastInsertRowid));
    res.status(201).json({ user: accountJson(user), token: newSession(db, user.id) });
  });

  router.post('/login', async (req, res) => {
    // The connection's address: no proxy stands in front of this server ("trust proxy" is off).
    hit(`login:${req.socket.remoteAddress}`, config.loginLimit);
    const email = String(req.body?.email ?? '').trim().toLowerCase();
    const password = String(req.body?.password ?? '');
    const user = db.prepare('SELECT * FROM users WHERE email = ?').get(email);
    const ok = await verifyPassword(password, user ? user.password_hash : DUMMY_HASH);
    if (!user || !ok) throw new HttpError(401, { credentials: ['invalid email or password'] });
    res.json({ user: accountJson(user), token: newSession(db, user.id) });
  });

  router.get('/me', requireUser, (req, res) => {
    res.json({ user: accountJson(byId.get(req.user.id)) });
  });

  router.patch('/me', requireUser, (req, res) => {
    const { name } = req.body ?? {};
    if (name !== undefined) {
      if (typeof name !== 'string' || name.trim() === '') throw unprocessable('name');
      db.prepare('UPDATE users SET name = ? WHERE id = ?').run(name.trim(), req.user.id);
    }
    res.json({ user: accountJson(byId.get(req.user.id)) });
  });

  router.get('/users/:id', requireUser, (req, res) => {
    const row = byId.get(Number(req.params.id));
    if (!row) throw notFound('user');
    res.json({ user: profileJson(row) });
  });

  router.get('/users/:id/documents', requireUser, (req, res) => {
    if (Number(req.params.id) !== req.user.id) throw forbidden('documents');
    const rows = db
      .prepare('SELECT * FROM documents WHERE owner_id = ? ORDER BY created_at DESC, id DESC')
      .all(req.user.id);
    res.json({ documents: rows.map(documentJson) });
  });

  router.get('/admin/users', requireUser, (req, res) => {
    if (req.user.role !== 'admin') throw forbidden('admin');
    res.json({ users: db.prepare('SELECT * FROM users ORDER BY id').all().map(accountJson) });
  });

  return router;
}

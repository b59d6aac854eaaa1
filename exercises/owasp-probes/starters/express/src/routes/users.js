// Accounts: sign up, log in, your own profile, other people's profiles, the admin list.
import { Router } from 'express';
import { HttpError, forbidden, notFound, unprocessable } from '../errors.js';
import { DUMMY_HASH, hashPassword, newSession, verifyPassword } from '../security.js';

const USER_COLUMNS = ['id', 'email', 'name', 'password_hash', 'role'];

function required(body, field) {
  const value = body?.[field];
  if (typeof value !== 'string' || value.trim() === '') throw unprocessable(field);
  return value;
}

export function userRoutes(db, requireUser) {
  const router = Router();
  const byId = db.prepare('SELECT * FROM users WHERE id = ?');

  router.post('/users', async (req, res) => {
    required(req.body, 'email');
    const password = required(req.body, 'password');
    required(req.body, 'name');
    if (password.length < 8) throw unprocessable('password', 'is too short (minimum is 8 characters)');
    // Everything the client sent that has a column, plus the email and the password's hash.
    const row = Object.fromEntries(Object.entries(req.body).filter(([key]) => USER_COLUMNS.includes(key)));
    row.email = req.body.email.trim().toLowerCase();
    row.password_hash = await hashPassword(password);
    const columns = Object.keys(row);
    let result;
    try {
      result = db
        .prepare(`INSERT INTO users (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
        .run(...Object.values(row));
    } catch (err) {
      if (String(err.code).startsWith('SQLITE_CONSTRAINT')) {
        throw new HttpError(409, { email: ['has already been taken'] });
      }
      throw err;
    }
    const user = byId.get(Number(result.lastInsertRowid));
    res.status(201).json({ user, token: newSession(db, user.id) });
  });

  router.post('/login', async (req, res) => {
    const email = String(req.body?.email ?? '').trim().toLowerCase();
    const password = String(req.body?.password ?? '');
    const user = db.prepare(`SELECT * FROM users WHERE email = '${email}'`).get();
    const ok = await verifyPassword(password, user ? user.password_hash : DUMMY_HASH);
    if (!user || !ok) throw new HttpError(401, { credentials: ['invalid email or password'] });
    res.json({ user, token: newSession(db, user.id) });
  });

  router.get('/me', requireUser, (req, res) => {
    res.json({ user: byId.get(req.user.id) });
  });

  router.patch('/me', requireUser, (req, res) => {
    const body = req.body ?? {};
    if ('name' in body && (typeof body.name !== 'string' || body.name.trim() === '')) throw unprocessable('name');
    for (const [key, value] of Object.entries(body)) {
      if (USER_COLUMNS.includes(key)) db.prepare(`UPDATE users SET ${key} = ? WHERE id = ?`).run(value, req.user.id);
    }
    res.json({ user: byId.get(req.user.id) });
  });

  router.get('/users/:id', requireUser, (req, res) => {
    const user = byId.get(Number(req.params.id));
    if (!user) throw notFound('user');
    res.json({ user });
  });

  router.get('/users/:id/documents', requireUser, (req, res) => {
    const documents = db
      .prepare('SELECT * FROM documents WHERE owner_id = ? ORDER BY created_at DESC, id DESC')
      .all(Number(req.params.id));
    res.json({ documents });
  });

  router.get('/admin/users', requireUser, (req, res) => {
    if (req.user.role !== 'admin') throw forbidden('admin');
    res.json({ users: db.prepare('SELECT * FROM users ORDER BY id').all() });
  });

  return router;
}

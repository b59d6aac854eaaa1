// /api/users (register), /api/users/login and /api/user (current user).
import { Router } from 'express';
import { hashPassword, verifyPassword } from '../auth.js';
import { HttpError, conflict } from '../errors.js';
import { toUser } from '../profiles.js';
import { Checker, unwrap } from '../validation.js';

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function usersRouter(db, { requireAuth }) {
  const router = Router();

  // 409 if the username or email belongs to another user.
  function checkTaken({ username, email }, exceptId = 0) {
    const errors = {};
    if (username !== undefined && db.stmt('SELECT 1 FROM users WHERE username = ? AND id != ?').get(username, exceptId)) {
      errors.username = ['has already been taken'];
    }
    if (email !== undefined && db.stmt('SELECT 1 FROM users WHERE email = ? AND id != ?').get(email, exceptId)) {
      errors.email = ['has already been taken'];
    }
    if (Object.keys(errors).length > 0) throw conflict(errors);
  }

  function checkEmail(check, email) {
    if (email !== undefined && !EMAIL.test(email)) check.add('email', 'is invalid');
  }

  router.post('/users', async (req, res) => {
    const check = new Checker(unwrap(req, 'user'));
    const username = check.string('username', { trim: true });
    const email = check.string('email', { trim: true });
    const password = check.password('password');
    checkEmail(check, email);
    check.done();
    checkTaken({ username, email });

    const passwordHash = await hashPassword(password);
    try {
      const { lastInsertRowid } = db
        .stmt('INSERT INTO users (username, email, password_hash) VALUES (?, ?, ?)')
        .run(username, email, passwordHash);
      const user = db.stmt('SELECT * FROM users WHERE id = ?').get(lastInsertRowid);
      res.status(201).json({ user: toUser(user) });
    } catch (err) {
      // Another request took the name while the password was being hashed.
      if (err.code === 'SQLITE_CONSTRAINT_UNIQUE') checkTaken({ username, email });
      throw err;
    }
  });

  router.post('/users/login', async (req, res) => {
    const check = new Checker(unwrap(req, 'user'));
    const email = check.string('email', { trim: true });
    const password = check.string('password');
    check.done();

    const user = db.stmt('SELECT * FROM users WHERE email = ?').get(email);
    if (!user || !(await verifyPassword(password, user.password_hash))) {
      throw new HttpError(401, { credentials: ['invalid'] });
    }
    res.json({ user: toUser(user) });
  });

  router.get('/user', requireAuth, (req, res) => {
    res.json({ user: toUser(req.user) });
  });

  router.put('/user', requireAuth, async (req, res) => {
    const check = new Checker(unwrap(req, 'user'));
    const changes = {
      username: check.string('username', { optional: true, trim: true }),
      email: check.string('email', { optional: true, trim: true }),
      bio: check.nullableString('bio'),
      image: check.nullableString('image'),
    };
    const password = check.password('password', { optional: true });
    checkEmail(check, changes.email);
    check.done();
    checkTaken(changes, req.user.id);
    if (password !== undefined) changes.password_hash = await hashPassword(password);

    const columns = Object.keys(changes).filter((key) => changes[key] !== undefined);
    if (columns.length > 0) {
      const assignments = columns.map((column) => `${column} = @${column}`).join(', ');
      const values = Object.fromEntries(columns.map((column) => [column, changes[column]]));
      try {
        db.stmt(`UPDATE users SET ${assignments} WHERE id = @id`).run({ ...values, id: req.user.id });
      } catch (err) {
        if (err.code === 'SQLITE_CONSTRAINT_UNIQUE') checkTaken(changes, req.user.id);
        throw err;
      }
    }
    const user = db.stmt('SELECT * FROM users WHERE id = ?').get(req.user.id);
    res.json({ user: toUser(user) });
  });

  return router;
}

// Sign-up, log-in and the current user.
import express from 'express';
import { hashPassword, signToken, verifyPassword } from '../auth.js';
import { HttpError } from '../errors.js';
import { Checker, unwrap } from '../validation.js';

const userJson = (user) => ({
  email: user.email,
  username: user.username,
  role: user.role,
  token: signToken(user.id),
});

export function usersRouter(pool, { requireAuth }) {
  const router = express.Router();

  router.post('/users', async (req, res) => {
    const check = new Checker(unwrap(req, 'user'));
    const email = check.string('email');
    const username = check.string('username');
    const password = check.password('password');
    if (email && !/^[^@\s]+@[^@\s]+$/.test(email)) check.add('email', 'is invalid');
    check.done();
    const passwordHash = await hashPassword(password);
    try {
      const { rows } = await pool.query(
        `INSERT INTO users (email, username, password_hash) VALUES ($1, $2, $3)
         RETURNING id, email, username, role`,
        [email, username, passwordHash],
      );
      res.status(201).json({ user: userJson(rows[0]) });
    } catch (err) {
      // The unique indexes, not a prior SELECT, decide between two sign-ups racing for a name.
      if (err.code !== '23505') throw err;
      const field = err.constraint === 'users_email_key' ? 'email' : 'username';
      throw new HttpError(409, { [field]: ['has already been taken'] });
    }
  });

  router.post('/users/login', async (req, res) => {
    const check = new Checker(unwrap(req, 'user'));
    const email = check.string('email');
    const password = check.string('password');
    check.done();
    const { rows } = await pool.query(
      'SELECT id, email, username, role, password_hash FROM users WHERE lower(email) = lower($1)',
      [email],
    );
    if (rows.length === 0 || !(await verifyPassword(password, rows[0].password_hash))) {
      throw new HttpError(401, { credentials: ['invalid'] });
    }
    res.json({ user: userJson(rows[0]) });
  });

  router.get('/user', requireAuth, (req, res) => {
    res.json({ user: { ...userJson(req.user), token: req.token } });
  });

  return router;
}

// The one admin, from $ADMIN_PASSWORD: created on the first start, its password reset to the
// current value on every later one (so rotating the secret and restarting is enough).
export async function seedAdmin(pool, password) {
  if (!password) {
    console.warn('ADMIN_PASSWORD is not set: no admin account');
    return;
  }
  const hash = await hashPassword(password);
  await pool.query(
    `INSERT INTO users (email, username, password_hash, role)
     VALUES ('admin@shop.test', 'admin', $1, 'admin')
     ON CONFLICT (lower(email))
     DO UPDATE SET password_hash = EXCLUDED.password_hash, role = 'admin'`,
    [hash],
  );
}

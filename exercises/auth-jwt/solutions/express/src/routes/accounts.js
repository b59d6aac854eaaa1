// Registration, login, token refresh, logout and the current user.
import { Router } from 'express';
import { config } from '../config.js';
import { HttpError, unprocessable } from '../errors.js';
import { recordFailure, retryAfter } from '../lockout.js';
import { hashPassword, verifyPassword, wasteTimeLikeACheck } from '../passwords.js';
import { createAccessToken, issueRefreshToken, revokeFamilyOf, rotateRefreshToken } from '../tokens.js';

// One answer for a wrong password and an unknown email: it must not tell them apart.
const invalidCredentials = () => new HttpError(401, { credentials: ['invalid email or password'] });
const invalidRefresh = () => new HttpError(401, { refresh_token: ['is invalid'] });

function required(body, field) {
  const value = body?.[field];
  if (typeof value !== 'string' || value.trim() === '') throw unprocessable(field);
  return value;
}

const tokenAnswer = (user, refreshToken) => ({
  access_token: createAccessToken(user),
  token_type: 'Bearer',
  expires_in: config.accessTokenSeconds,
  refresh_token: refreshToken,
});

export function accountRoutes(db, { requireUser }) {
  const router = Router();
  const findByEmail = (email) => db.stmt('SELECT id, email, password_hash, role FROM users WHERE email = ?').get(email);

  // Anything sent besides email and password (a "role", say) is ignored: new accounts are users.
  router.post('/users', async (req, res) => {
    const email = required(req.body, 'email').trim().toLowerCase();
    const password = required(req.body, 'password');
    if (password.length < 8) throw unprocessable('password', 'is too short (minimum is 8 characters)');
    const taken = () => new HttpError(409, { email: ['has already been taken'] });
    if (findByEmail(email)) throw taken();
    const passwordHash = await hashPassword(password);
    let result;
    try {
      result = db.stmt('INSERT INTO users (email, password_hash) VALUES (?, ?)').run(email, passwordHash);
    } catch (err) {
      if (String(err.code).startsWith('SQLITE_CONSTRAINT')) throw taken();
      throw err;
    }
    res.status(201).json({ user: { id: Number(result.lastInsertRowid), email, role: 'user' } });
  });

  router.post('/login', async (req, res) => {
    const email = required(req.body, 'email').trim().toLowerCase();
    const password = required(req.body, 'password');
    // The connection's address: no proxy stands in front of this server ("trust proxy" is off).
    const ip = req.socket.remoteAddress ?? 'unknown';
    const wait = retryAfter(db, email, ip);
    if (wait !== null) {
      const errors = { login: ['too many failed attempts, try again later'] };
      throw new HttpError(429, errors, { 'Retry-After': String(wait) });
    }
    const user = findByEmail(email);
    let verdict = { ok: false, stale: false };
    if (user) verdict = await verifyPassword(password, user.password_hash);
    else await wasteTimeLikeACheck(password);
    if (!verdict.ok) {
      recordFailure(db, email, ip);
      throw invalidCredentials();
    }
    if (verdict.stale) {
      // An old or weaker hash: replace it now that we know the password.
      db.stmt('UPDATE users SET password_hash = ? WHERE id = ?').run(await hashPassword(password), user.id);
    }
    res.json(tokenAnswer(user, issueRefreshToken(db, user.id)));
  });

  router.post('/token/refresh', (req, res) => {
    const token = req.body?.refresh_token;
    if (typeof token !== 'string' || token === '') throw invalidRefresh();
    const rotated = rotateRefreshToken(db, token);
    if (!rotated) throw invalidRefresh();
    const user = db.stmt('SELECT id, role FROM users WHERE id = ?').get(rotated.userId);
    if (!user) throw invalidRefresh();
    res.json(tokenAnswer(user, rotated.next));
  });

  router.post('/logout', (req, res) => {
    const token = req.body?.refresh_token;
    if (typeof token === 'string' && token !== '') revokeFamilyOf(db, token);
    res.status(204).end();
  });

  router.get('/me', requireUser, (req, res) => {
    res.json({ user: req.user });
  });

  return router;
}

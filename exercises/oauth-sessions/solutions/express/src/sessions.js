// Server-side sessions: a random id, signed with SESSION_SECRET, in an HttpOnly cookie; its
// SHA-256 in SQLite.
//
// The cookie is opaque: 256 random bits and their HMAC, nothing derived from the user (the
// signature lets a forged cookie be refused before any database lookup). Signing in replaces
// the session with a new one, so an id planted in the browser before sign-in never gains the
// sign-in; signing out deletes the row, so a copied cookie stops working at once. Each session
// has its own random CSRF token, stored with it.
import crypto from 'node:crypto';
import { config } from './config.js';

const now = () => Math.floor(Date.now() / 1000);
const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');
const sign = (id) => crypto.createHmac('sha256', config.sessionSecret).update(id).digest('base64url');

export function safeEqual(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function readCookie(req, name) {
  for (const part of (req.headers.cookie || '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}

// The session id in the browser's cookie, when its signature is right.
export function cookieId(req) {
  const value = readCookie(req, config.sessionCookie);
  if (!value || value.length > 200) return null;
  const dot = value.lastIndexOf('.');
  if (dot <= 0) return null;
  const id = value.slice(0, dot);
  return safeEqual(value.slice(dot + 1), sign(id)) ? id : null;
}

// The browser's live session row (with .id, the id itself), or null.
export function load(db, req) {
  const id = cookieId(req);
  if (!id) return null;
  const row = db
    .prepare('SELECT * FROM sessions WHERE id_hash = ? AND expires_at > ?')
    .get(sha256(id), now());
  return row ? { ...row, id } : null;
}

// A new session; returns its id (only the hash is stored).
export function create(db, userId, seconds) {
  const id = crypto.randomBytes(32).toString('base64url');
  const csrf = crypto.randomBytes(32).toString('base64url');
  db.prepare(
    'INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  ).run(sha256(id), userId, csrf, now(), now() + seconds);
  return id;
}

export function destroy(db, id) {
  db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(sha256(id));
}

// Remember what the callback must find: this browser's state, verifier and nonce.
export function startLogin(db, id, { state, verifier, nonce }) {
  db.prepare(
    `UPDATE sessions SET login_state = ?, login_verifier = ?, login_nonce = ?, login_started = ?,
       expires_at = MAX(expires_at, ?) WHERE id_hash = ?`,
  ).run(state, verifier, nonce, now(), now() + config.loginSeconds, sha256(id));
}

// The {verifier, nonce} of this browser's pending sign-in when `state` is its state; used up
// either way (read and cleared with no await in between), so a state works once.
export function takeLogin(db, id, state) {
  if (!id) return null;
  const row = db
    .prepare('SELECT login_state, login_verifier, login_nonce, login_started FROM sessions WHERE id_hash = ?')
    .get(sha256(id));
  if (!row || row.login_state === null) return null;
  db.prepare(
    `UPDATE sessions SET login_state = NULL, login_verifier = NULL, login_nonce = NULL,
       login_started = NULL WHERE id_hash = ?`,
  ).run(sha256(id));
  const fresh = now() - row.login_started < config.loginSeconds;
  if (!state || !fresh || !safeEqual(row.login_state, state)) return null;
  return { verifier: row.login_verifier, nonce: row.login_nonce };
}

export function setCookie(req, res, id, seconds) {
  // Behind a TLS-terminating proxy (which sets X-Forwarded-Proto) the cookie is Secure; on
  // plain http://127.0.0.1 during development a Secure cookie would not come back.
  const proto = (req.get('x-forwarded-proto') || '').split(',')[0].trim().toLowerCase();
  res.cookie(config.sessionCookie, `${id}.${sign(id)}`, {
    httpOnly: true,
    sameSite: 'lax', // Lax, not Strict: the provider's redirect back is a cross-site GET
    secure: proto === 'https',
    path: '/',
    maxAge: seconds * 1000,
  });
}

export function clearCookie(res) {
  res.clearCookie(config.sessionCookie, { httpOnly: true, sameSite: 'lax', path: '/' });
}

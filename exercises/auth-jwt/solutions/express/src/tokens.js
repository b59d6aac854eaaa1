// Access tokens (JWT, HS256, 15 minutes) and refresh tokens (random, single use, in families).
import crypto from 'node:crypto';
import jwt from 'jsonwebtoken';
import { config } from './config.js';

// A KeyObject made once: passing the secret string makes jsonwebtoken derive a key every call.
const jwtKey = crypto.createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));

export function createAccessToken(user) {
  return jwt.sign({ role: user.role /* for clients; the server reads it from the database */ }, jwtKey, {
    algorithm: 'HS256',
    subject: String(user.id),
    expiresIn: config.accessTokenSeconds,
    issuer: config.issuer,
    audience: config.audience,
  });
}

// The user id of a token this server issued and still accepts; null for anything else.
export function userIdFromAccessToken(token) {
  try {
    const claims = jwt.verify(token, jwtKey, {
      algorithms: ['HS256'], // ours, never the header's
      audience: config.audience,
      issuer: config.issuer,
      clockTolerance: config.clockSkewSeconds,
    });
    // jsonwebtoken accepts a token without exp (it never expires): we do not.
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return null;
    const id = Number(claims.sub);
    return typeof claims.sub === 'string' && Number.isSafeInteger(id) ? id : null;
  } catch {
    return null;
  }
}

const digest = (token) => crypto.createHash('sha256').update(token, 'utf8').digest('hex');
const now = () => Math.floor(Date.now() / 1000);

// A new refresh token for userId in familyId (null: a new login, so a new family).
export function issueRefreshToken(db, userId, familyId = null) {
  const token = crypto.randomBytes(32).toString('base64url');
  db.stmt(
    'INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at) VALUES (?, ?, ?, ?)',
  ).run(digest(token), userId, familyId ?? crypto.randomBytes(16).toString('hex'), now() + config.refreshTokenSeconds);
  return token;
}

function revokeFamily(db, familyId) {
  db.stmt('UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL').run(now(), familyId);
}

// Use up a refresh token: { userId, next } with the next token of its family, or null when it
// is not valid. A token that was already used is a theft signal: its whole family is revoked.
// Everything here is synchronous, so no other request can claim the same token in between.
export function rotateRefreshToken(db, token) {
  const hashed = digest(token);
  const at = now();
  const claimed = db
    .stmt(
      'UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?',
    )
    .run(at, hashed, at);
  const row = db.stmt('SELECT user_id, family_id, used_at FROM refresh_tokens WHERE token_hash = ?').get(hashed);
  if (claimed.changes === 1) {
    return { userId: row.user_id, next: issueRefreshToken(db, row.user_id, row.family_id) };
  }
  if (row && row.used_at !== null) revokeFamily(db, row.family_id);
  return null;
}

export function revokeFamilyOf(db, token) {
  const row = db.stmt('SELECT family_id FROM refresh_tokens WHERE token_hash = ?').get(digest(token));
  if (row) revokeFamily(db, row.family_id);
}

// Passwords (scrypt), session tokens, and the signed-in user of a request.
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { HttpError } from './errors.js';

const scrypt = promisify(scryptCallback);
const N = 16384;
const R = 8;
const P = 1;

export async function hashPassword(password) {
  const salt = randomBytes(16);
  const digest = await scrypt(password, salt, 32, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('hex')}$${digest.toString('hex')}`;
}

export async function verifyPassword(password, stored) {
  const [, n, r, p, salt, digest] = String(stored).split('$');
  if (!digest) return false;
  const expected = Buffer.from(digest, 'hex');
  const again = await scrypt(password, Buffer.from(salt, 'hex'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(again, expected);
}

// Checked against when the email is unknown, so that both failures take as long.
export const DUMMY_HASH = await hashPassword(randomBytes(12).toString('hex'));

const digestOf = (token) => createHash('sha256').update(token).digest('hex');

export function newSession(db, userId) {
  const token = randomBytes(32).toString('base64url');
  db.prepare('INSERT INTO sessions (token_hash, user_id) VALUES (?, ?)').run(digestOf(token), userId);
  return token;
}

// Middleware: req.user is the user of the Bearer token, read from the database on every request.
export function requireUser(db) {
  const find = db.prepare(
    'SELECT u.id, u.email, u.name, u.role FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?',
  );
  return (req, res, next) => {
    const [scheme, token] = (req.get('authorization') || '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new HttpError(401, { token: ['is missing'] }, { 'WWW-Authenticate': 'Bearer' });
    }
    const user = find.get(digestOf(token));
    if (!user) throw new HttpError(401, { token: ['is invalid'] }, { 'WWW-Authenticate': 'Bearer' });
    req.user = user;
    next();
  };
}

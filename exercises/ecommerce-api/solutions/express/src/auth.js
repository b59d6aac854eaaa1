// Passwords (scrypt), tokens (JWT HS256) and the auth middlewares.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import { config } from './config.js';
import { forbidden, unauthorized } from './errors.js';

const scrypt = promisify(crypto.scrypt);
// scrypt runs on libuv's thread pool, so fifty sign-ups at once do not stall the event loop
// the way a pure-JS bcrypt would.
const SCRYPT = { N: 2 ** 14, r: 8, p: 1 };
const KEY_LENGTH = 64;
// A KeyObject made once: with a string secret jsonwebtoken derives a key on every call.
const jwtKey = crypto.createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));

// Stored as scrypt$N$r$p$<salt base64>$<hash base64>.
export async function hashPassword(password) {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, KEY_LENGTH, SCRYPT);
  const { N, r, p } = SCRYPT;
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password, stored) {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64');
  const options = { N: Number(N), r: Number(r), p: Number(p) };
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, options);
  return crypto.timingSafeEqual(actual, expected);
}

export function signToken(userId) {
  return jwt.sign({}, jwtKey, {
    algorithm: 'HS256',
    subject: String(userId),
    expiresIn: config.jwtExpiresIn,
  });
}

function userIdFromToken(token) {
  try {
    // Pinning the algorithm refuses alg "none" and any other algorithm a forger picks.
    const payload = jwt.verify(token, jwtKey, { algorithms: ['HS256'] });
    return /^[1-9]\d{0,17}$/.test(payload.sub ?? '') ? payload.sub : null;
  } catch {
    return null;
  }
}

// requireAuth: "Authorization: Token <jwt>" of a user that still exists, else 401.
// requireAdmin: requireAuth, then 403 for anyone but an admin.
export function authMiddleware(pool) {
  const requireAuth = async (req, res, next) => {
    const header = req.get('authorization');
    if (!header) throw unauthorized('is missing');
    const match = /^Token\s+(\S+)\s*$/i.exec(header);
    const id = match && userIdFromToken(match[1]);
    const { rows } = id
      ? await pool.query('SELECT id, email, username, role FROM users WHERE id = $1', [id])
      : { rows: [] };
    if (rows.length === 0) throw unauthorized('is invalid');
    req.user = rows[0];
    req.token = match[1];
    next();
  };
  const requireAdmin = async (req, res, next) => {
    await requireAuth(req, res, () => {});
    if (req.user.role !== 'admin') throw forbidden();
    next();
  };
  return { requireAuth, requireAdmin };
}

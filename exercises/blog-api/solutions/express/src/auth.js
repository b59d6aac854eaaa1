// Passwords (scrypt), tokens (JWT HS256) and the auth middleware.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import { config } from './config.js';
import { unauthorized } from './errors.js';

const scrypt = promisify(crypto.scrypt);
const SCRYPT = { N: 2 ** 14, r: 8, p: 1 };
const KEY_LENGTH = 64;
// A KeyObject made once: passing the secret string makes jsonwebtoken derive a
// key on every call (about 50 times slower).
const jwtKey = crypto.createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));

// Stored as scrypt$N$r$p$<salt base64>$<hash base64>.
export async function hashPassword(password) {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, KEY_LENGTH, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password, stored) {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(N),
    r: Number(r),
    p: Number(p),
  });
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
    const payload = jwt.verify(token, jwtKey, { algorithms: ['HS256'] });
    const id = Number(payload.sub);
    return Number.isSafeInteger(id) ? id : null;
  } catch {
    return null;
  }
}

// Reads "Authorization: Token <jwt>", the contract's scheme (not "Bearer").
// Returns undefined when no header was sent and null for a bad token.
function tokenFromRequest(req) {
  const header = req.get('authorization');
  if (!header) return undefined;
  const match = /^Token\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

// Builds the two middlewares: requireAuth (401 without a valid token) and
// optionalAuth (anonymous without a header, 401 for a bad token).
export function authMiddleware(db) {
  const findUser = (id) => db.stmt('SELECT * FROM users WHERE id = ?').get(id);

  const authenticate = (required) => (req, res, next) => {
    const token = tokenFromRequest(req);
    if (token === undefined) {
      if (required) throw unauthorized('is missing');
      req.user = null;
      return next();
    }
    const id = token && userIdFromToken(token);
    const user = id && findUser(id);
    if (!user) throw unauthorized('is invalid');
    req.user = user;
    req.token = token;
    next();
  };

  return { requireAuth: authenticate(true), optionalAuth: authenticate(false) };
}

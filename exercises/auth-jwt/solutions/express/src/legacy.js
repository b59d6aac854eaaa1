// The old system's password hashes: sha256$<salt>$<hex>, the hex SHA-256 of salt + password.
// Far too fast to stand up to guessing: accounts that still have one get a new hash the next
// time they log in successfully (see routes/accounts.js).
import crypto from 'node:crypto';

export const isLegacy = (stored) => stored.startsWith('sha256$');

export function verifyLegacySha256(password, stored) {
  const parts = stored.split('$');
  if (parts.length !== 3 || parts[0] !== 'sha256') return false;
  const [, salt, digest] = parts;
  const actual = crypto.createHash('sha256').update(salt + password, 'utf8').digest('hex');
  const expected = digest.toLowerCase();
  return actual.length === expected.length && crypto.timingSafeEqual(Buffer.from(actual), Buffer.from(expected));
}

// Password hashing with Argon2id, at OWASP's minimum cost (19 MiB of memory, 2 passes).
// @node-rs/argon2 hashes on other threads (the promises below) and puts a random salt and the
// parameters in every hash: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
import crypto from 'node:crypto';
import { hash, parseOptions, verify } from '@node-rs/argon2';
import { isLegacy, verifyLegacySha256 } from './legacy.js';

const ARGON2 = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password) => hash(password, ARGON2);

function weakerThanNow(stored) {
  try {
    const used = parseOptions(stored);
    return used.memoryCost < ARGON2.memoryCost || used.timeCost < ARGON2.timeCost;
  } catch {
    return true;
  }
}

// Whether the password matches, and whether the stored hash should be replaced.
export async function verifyPassword(password, stored) {
  if (isLegacy(stored)) return { ok: verifyLegacySha256(password, stored), stale: true };
  try {
    const ok = await verify(stored, password);
    return { ok, stale: ok && weakerThanNow(stored) };
  } catch {
    return { ok: false, stale: false };
  }
}

// Checked against when the email is unknown: that login then costs what a wrong password
// costs, so its timing does not tell who has an account.
const dummyHash = await hashPassword(crypto.randomBytes(16).toString('hex'));

export async function wasteTimeLikeACheck(password) {
  await verifyPassword(password, dummyHash);
}

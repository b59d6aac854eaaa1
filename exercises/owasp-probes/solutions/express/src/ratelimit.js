// Sliding windows in memory: at most `limit` hits per key in the window.
import { config } from './config.js';
import { HttpError } from './errors.js';

const hits = new Map();

// Count one request for `key`; throws a 429 with Retry-After once it is over its limit.
export function hit(key, limit, windowMs = config.rateLimitWindowMs) {
  const now = Date.now();
  const seen = (hits.get(key) || []).filter((at) => at > now - windowMs);
  if (seen.length >= limit) {
    hits.set(key, seen);
    // free again when the oldest hit of the window leaves it
    const wait = Math.max(1, Math.ceil((seen[0] + windowMs - now) / 1000));
    throw new HttpError(
      429,
      { rate_limit: ['too many requests, try again later'] },
      { 'Retry-After': String(wait) },
    );
  }
  seen.push(now);
  hits.set(key, seen);
}

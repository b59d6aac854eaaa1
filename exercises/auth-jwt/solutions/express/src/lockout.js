// Failed-login limits: per email and per client address, in a sliding 15-minute window.
import { config } from './config.js';

const limits = (email, ip) => [
  [`email:${email}`, config.maxFailuresPerEmail],
  [`ip:${ip}`, config.maxFailuresPerIp],
];

// Seconds until a login for email from ip is allowed again; null if it is allowed now.
// A key is locked while it has `limit` failures in the window; it unlocks when the
// limit-th newest of them leaves the window.
export function retryAfter(db, email, ip) {
  const now = Date.now() / 1000;
  const window = config.lockoutWindowSeconds;
  const waits = [];
  for (const [key, limit] of limits(email, ip)) {
    const row = db
      .stmt('SELECT at FROM login_failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT 1 OFFSET ?')
      .get(key, now - window, limit - 1);
    if (row) waits.push(row.at + window - now);
  }
  return waits.length ? Math.max(1, Math.ceil(Math.max(...waits))) : null;
}

export function recordFailure(db, email, ip) {
  const now = Date.now() / 1000;
  db.stmt('DELETE FROM login_failures WHERE at <= ?').run(now - config.lockoutWindowSeconds);
  const insert = db.stmt('INSERT INTO login_failures (key, at) VALUES (?, ?)');
  for (const [key] of limits(email, ip)) insert.run(key, now);
}

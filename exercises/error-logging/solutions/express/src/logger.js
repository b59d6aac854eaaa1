// Logging: one JSON object per line on stdout, the request id on every line of a request,
// the level from $LOG_LEVEL, and secrets masked before anything is written.
import { AsyncLocalStorage } from 'node:async_hooks';

// The request being handled. AsyncLocalStorage follows it through callbacks and awaits, so
// concurrent requests never mix up their ids (a module-level variable would).
export const requestContext = new AsyncLocalStorage();

const RANKS = { debug: 10, info: 20, warn: 30, warning: 30, error: 40 };
const threshold = RANKS[String(process.env.LOG_LEVEL || 'info').trim().toLowerCase()] ?? RANKS.info;

// Header, field and query parameter names whose values never reach the log.
const SENSITIVE = /pass|secret|token|auth|cookie|api[-_]?key|card|cvc|cvv/i;
const MASK = '[REDACTED]';

// A copy of `value` with the value of every sensitive key masked, at any depth.
export function redact(value, key = '') {
  if (key && SENSITIVE.test(key)) return MASK;
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}

function write(level, message, fields = {}) {
  if (RANKS[level] < threshold) return;
  const store = requestContext.getStore();
  const line = { timestamp: new Date().toISOString(), level, message };
  if (store) line.request_id = store.requestId;
  Object.assign(line, fields);
  if (fields.err instanceof Error) {
    // The stack trace belongs here, in the log, never in a response. Last, so the fields
    // above stay readable when a long line is cut.
    delete line.err;
    line.error = `${fields.err.name}: ${fields.err.message}`;
    line.stack = fields.err.stack;
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export const log = {
  debug: (message, fields) => write('debug', message, fields),
  info: (message, fields) => write('info', message, fields),
  warn: (message, fields) => write('warn', message, fields),
  error: (message, fields) => write('error', message, fields),
};

// Settings, all from the environment (learnpath sets them for every grading run).

const allowed = (process.env.ALLOWED_FETCH_HOSTS || '')
  .split(',')
  .map((entry) => entry.trim().toLowerCase())
  .filter(Boolean);

export const config = {
  port: Number.parseInt(process.env.PORT || '3000', 10),
  host: process.env.HOST || '127.0.0.1',
  databasePath: process.env.DATABASE_PATH || 'docs.db',
  // Stage ssrf: host:port pairs an import may fetch although they are internal addresses (an
  // operator's explicit trust), e.g. "127.0.0.1:8001,files.internal:443". Not used yet.
  allowedFetchHosts: new Set(allowed),
  // Stage rate-limits: the length of a rate-limit window, in milliseconds. Not used yet.
  rateLimitWindowMs: Number.parseFloat(process.env.RATE_LIMIT_WINDOW_SECONDS || '60') * 1000,
};

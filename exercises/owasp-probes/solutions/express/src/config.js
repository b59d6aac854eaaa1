// Settings, all from the environment (learnpath sets them for every grading run).

const allowed = (process.env.ALLOWED_FETCH_HOSTS || '')
  .split(',')
  .map((entry) => entry.trim().toLowerCase())
  .filter(Boolean);

export const config = {
  port: Number.parseInt(process.env.PORT || '3000', 10),
  host: process.env.HOST || '127.0.0.1',
  databasePath: process.env.DATABASE_PATH || 'docs.db',
  // host:port pairs that may be imported from although they are internal addresses (an
  // operator's explicit trust), e.g. "127.0.0.1:8001,files.internal:443".
  allowedFetchHosts: new Set(allowed),
  // The length of a rate-limit window, in milliseconds.
  rateLimitWindowMs: Number.parseFloat(process.env.RATE_LIMIT_WINDOW_SECONDS || '60') * 1000,
  loginLimit: 5, // log-in attempts per client address and window
  exportLimit: 3, // exports per account and window
};

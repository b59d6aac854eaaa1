// Settings from the environment, and the numbers of the contract.
export const config = {
  host: process.env.HOST || '127.0.0.1',
  port: Number.parseInt(process.env.PORT || '3000', 10),
  databasePath: process.env.DATABASE_PATH || 'auth.db',
  // Development default only: learnpath gives the server a fresh JWT_SECRET every grading run.
  jwtSecret: process.env.JWT_SECRET || 'auth-jwt-development-secret-change-me',
  issuer: 'learnpath-auth',
  audience: 'learnpath-api',
  accessTokenSeconds: 15 * 60,
  refreshTokenSeconds: 7 * 24 * 60 * 60,
  clockSkewSeconds: 30,
  lockoutWindowSeconds: 15 * 60,
  maxFailuresPerEmail: 5,
  maxFailuresPerIp: 10,
  roles: ['user', 'editor', 'admin'],
};

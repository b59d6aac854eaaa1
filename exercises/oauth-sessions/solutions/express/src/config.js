// Settings from the environment (learnpath sets them for every run), and the contract's names.
export const config = {
  host: process.env.HOST || '127.0.0.1',
  port: Number.parseInt(process.env.PORT || '3000', 10),
  databasePath: process.env.DATABASE_PATH || 'app.db',
  // The OpenID provider and this app's registration with it.
  issuer: (process.env.OAUTH_ISSUER || '').replace(/\/+$/, ''),
  clientId: process.env.OAUTH_CLIENT_ID || '',
  clientSecret: process.env.OAUTH_CLIENT_SECRET || '',
  redirectUri: process.env.OAUTH_REDIRECT_URI || 'http://127.0.0.1:3000/auth/callback',
  // Development default only: learnpath gives the server a fresh SESSION_SECRET every run.
  sessionSecret: process.env.SESSION_SECRET || 'oauth-sessions-development-secret-change-me',
  sessionCookie: 'session',
  csrfHeader: 'x-csrf-token',
  sessionSeconds: 8 * 60 * 60, // a signed-in session
  loginSeconds: 10 * 60, // a sign-in started at /login must come back within this
  clockSkewSeconds: 30, // allowed on the ID token's exp
};

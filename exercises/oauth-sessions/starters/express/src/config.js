// Settings from the environment. `learnpath run` and `learnpath grade` set them all.
export const config = {
  host: process.env.HOST || '127.0.0.1',
  port: Number.parseInt(process.env.PORT || '3000', 10),
  databasePath: process.env.DATABASE_PATH || 'app.db',
  // The OpenID provider and this app's registration with it (see OAUTH.md).
  issuer: (process.env.OAUTH_ISSUER || '').replace(/\/+$/, ''),
  clientId: process.env.OAUTH_CLIENT_ID || '',
  clientSecret: process.env.OAUTH_CLIENT_SECRET || '',
  redirectUri: process.env.OAUTH_REDIRECT_URI || 'http://127.0.0.1:3000/auth/callback',
  // Sign or derive session data with this. learnpath sets a fresh one every grading run.
  sessionSecret: process.env.SESSION_SECRET || 'oauth-sessions-development-secret-change-me',
  sessionCookie: 'session', // the contract's name for the session cookie
};

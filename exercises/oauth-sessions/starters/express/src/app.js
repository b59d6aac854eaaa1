// Notes, behind "Sign in with the provider": every answer (errors too) in JSON.
import express from 'express';
import { config } from './config.js';

const notYet = (route) => (req, res) => {
  res.status(501).json({
    errors: { server: [`${route} is not implemented yet: stage login-flow, see STAGES.md or \`learnpath stage\``] },
  });
};

// db: the SQLite database (src/db.js), for the routes you add.
export function createApp(db) {
  const app = express();
  app.use(express.json());

  app.get('/health', (req, res) => {
    res.json({ status: 'ok' });
  });

  // Stage login-flow: a first step. This redirect reaches the provider but lacks most of what
  // the authorization request needs (scope, state, nonce, PKCE); the provider will say which.
  // Read the endpoints from $OAUTH_ISSUER/.well-known/openid-configuration (see OAUTH.md).
  app.get('/login', (req, res) => {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: config.clientId,
      redirect_uri: config.redirectUri,
    });
    res.redirect(302, `${config.issuer}/authorize?${params}`);
  });
  app.get('/auth/callback', notYet('GET /auth/callback'));
  app.get('/me', notYet('GET /me'));

  // Anything else: a JSON 404, never Express's HTML page.
  app.use((req, res) => {
    res.status(404).json({ errors: { route: ['not found'] } });
  });

  // Errors (a bad JSON body, a bug): JSON too.
  app.use((err, req, res, next) => {
    const status = Number.isInteger(err.status) && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    res.status(status).json({ errors: { request: [status === 500 ? 'internal error' : err.message] } });
  });
  return app;
}

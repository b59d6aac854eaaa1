// Notes, behind "Sign in with the provider": OpenID Connect, server-side sessions, CSRF tokens.
import crypto from 'node:crypto';
import express from 'express';
import { config } from './config.js';
import * as oidc from './oidc.js';
import * as sessions from './sessions.js';
import { HOME_PAGE } from './home.js';

const errors = (res, status, key, message) => res.status(status).json({ errors: { [key]: [message] } });
const randomToken = () => crypto.randomBytes(32).toString('base64url');

export function createApp(db) {
  const app = express();
  app.use(express.json());

  app.get('/health', (req, res) => res.json({ status: 'ok' }));
  app.get('/', (req, res) => res.type('html').send(HOME_PAGE));

  // -- signing in ---------------------------------------------------------------------------

  // Start the authorization code flow: fresh state, nonce and PKCE pair, kept server-side in
  // this browser's session (a new anonymous one if it has none).
  app.get('/login', async (req, res) => {
    const state = randomToken();
    const nonce = randomToken();
    const { verifier, challenge } = oidc.newPkce();
    let url;
    try {
      url = await oidc.authorizationUrl({ state, nonce, challenge });
    } catch (err) {
      if (err instanceof oidc.LoginError) return errors(res, err.status, 'login', err.message);
      throw err;
    }
    let session = sessions.load(db, req);
    if (!session) {
      const id = sessions.create(db, null, config.loginSeconds);
      sessions.setCookie(req, res, id, config.loginSeconds);
      session = { id };
    }
    sessions.startLogin(db, session.id, { state, verifier, nonce });
    res.redirect(302, url);
  });

  app.get('/auth/callback', async (req, res) => {
    const { code, state, error } = req.query;
    const sessionId = sessions.cookieId(req);
    const pending = sessions.takeLogin(db, sessionId, typeof state === 'string' ? state : null);
    if (error) return errors(res, 403, 'login', `the provider did not sign you in (${error})`);
    if (!pending) return errors(res, 400, 'login', 'state is missing, wrong or used: start again at /login');
    if (typeof code !== 'string' || !code) return errors(res, 400, 'login', 'code is missing');
    let claims;
    let info;
    try {
      const tokens = await oidc.exchangeCode(code, pending.verifier);
      claims = await oidc.verifyIdToken(tokens.id_token, pending.nonce);
      info = await oidc.userinfo(tokens.access_token, claims.sub);
    } catch (err) {
      if (err instanceof oidc.LoginError) return errors(res, err.status, 'login', err.message);
      throw err;
    }
    // The user is whoever has this sub; email and name follow the provider's.
    const user = db
      .prepare(
        `INSERT INTO users (sub, email, name) VALUES (?, ?, ?)
         ON CONFLICT(sub) DO UPDATE SET email = excluded.email, name = excluded.name
         RETURNING id`,
      )
      .get(claims.sub, info.email || claims.email || '', info.name || claims.name || '');
    // A new session id at sign-in: the pre-login one (maybe planted) is gone.
    if (sessionId) sessions.destroy(db, sessionId);
    const id = sessions.create(db, user.id, config.sessionSeconds);
    sessions.setCookie(req, res, id, config.sessionSeconds);
    res.redirect(303, '/');
  });

  // -- the signed-in user ---------------------------------------------------------------------

  // Loads the session and its user, or answers 401.
  const signedIn = (req, res, next) => {
    const session = sessions.load(db, req);
    const user = session?.user_id
      ? db.prepare('SELECT id, sub, email, name FROM users WHERE id = ?').get(session.user_id)
      : null;
    if (!user) return errors(res, 401, 'session', 'not signed in');
    req.session = session;
    req.user = { id: user.id, sub: user.sub, email: user.email, name: user.name };
    next();
  };

  // For requests that change something: the session's CSRF token must come in X-CSRF-Token.
  const csrf = (req, res, next) => {
    const sent = req.get(config.csrfHeader) || '';
    if (!sent || !sessions.safeEqual(sent, req.session.csrf_token)) {
      return errors(res, 403, 'csrf', 'missing or wrong X-CSRF-Token: read csrf_token from GET /me');
    }
    next();
  };

  app.get('/me', signedIn, (req, res) => {
    res.json({ user: req.user, csrf_token: req.session.csrf_token });
  });

  app.post('/logout', (req, res, next) => {
    const session = sessions.load(db, req);
    if (!session?.user_id) {
      sessions.clearCookie(res);
      return res.status(204).end();
    }
    req.session = session;
    csrf(req, res, () => {
      sessions.destroy(db, session.id);
      sessions.clearCookie(res);
      res.status(204).end();
    });
  });

  // -- notes ----------------------------------------------------------------------------------

  app.get('/notes', signedIn, (req, res) => {
    const notes = db
      .prepare('SELECT id, text FROM notes WHERE user_id = ? ORDER BY id DESC')
      .all(req.user.id)
      .map((n) => ({ id: n.id, text: n.text }));
    res.json({ notes });
  });

  app.post('/notes', signedIn, csrf, (req, res) => {
    const text = typeof req.body?.text === 'string' ? req.body.text.trim() : '';
    if (!text) return errors(res, 422, 'text', "can't be blank");
    const note = db
      .prepare('INSERT INTO notes (user_id, text, created_at) VALUES (?, ?, ?) RETURNING id, text')
      .get(req.user.id, text, Math.floor(Date.now() / 1000));
    res.status(201).json({ note: { id: note.id, text: note.text } });
  });

  // Anything else: a JSON 404, never Express's HTML page.
  app.use((req, res) => errors(res, 404, 'route', 'not found'));

  // Errors (a bad JSON body, a bug): JSON too.
  app.use((err, req, res, next) => {
    const status = Number.isInteger(err.status) && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    errors(res, status, 'request', status === 500 ? 'internal error' : err.message);
  });
  return app;
}

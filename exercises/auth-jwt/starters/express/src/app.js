// The notes API and its sign-in service: routes under /api, every answer (errors too) in JSON.
import express from 'express';

// Sign access tokens with this (stage tokens). learnpath sets a fresh one every grading run.
export const JWT_SECRET = process.env.JWT_SECRET || 'auth-jwt-development-secret-change-me';

const notYet = (route) => (req, res) => {
  res.status(501).json({
    errors: { server: [`${route} is not implemented yet: stage passwords, see STAGES.md or \`learnpath stage\``] },
  });
};

// db: the SQLite database (src/db.js), for the routes you add.
export function createApp(db) {
  const app = express();
  app.use(express.json());

  app.get('/api/health', (req, res) => {
    res.json({ status: 'ok' });
  });

  // Stage passwords: replace these placeholders with the real thing.
  app.post('/api/users', notYet('POST /api/users'));
  app.post('/api/login', notYet('POST /api/login'));

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

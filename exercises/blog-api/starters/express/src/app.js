// The Blog API: routes under /api, every answer (errors too) in JSON.
import express from 'express';

export function createApp(db) {
  const app = express();
  app.use(express.json());

  // Stage 1 (health): the tags in use, alphabetically.
  app.get('/api/tags', (req, res) => {
    const tags = db.prepare('SELECT DISTINCT tag FROM article_tags ORDER BY tag').pluck().all();
    res.json({ tags });
  });

  // Stage 2 (register): replace this placeholder with the real thing.
  app.post('/api/users', (req, res) => {
    res.status(501).json({
      errors: { server: ['POST /api/users is not implemented yet: stage 2, see STAGES.md or `learnpath stage`'] },
    });
  });

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

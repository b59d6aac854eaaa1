// Builds the Express application around an open database.
import { readFileSync } from 'node:fs';
import express from 'express';
import { authMiddleware } from './auth.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { articlesRouter } from './routes/articles.js';
import { commentsRouter } from './routes/comments.js';
import { profilesRouter } from './routes/profiles.js';
import { tagsRouter } from './routes/tags.js';
import { usersRouter } from './routes/users.js';

const openapi = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));

// express.json() answers malformed JSON with an HTML 400; instead the body is
// treated as absent, so the route reports its missing wrapper as a 422.
function jsonBody() {
  const parse = express.json({ limit: '1mb' });
  return (req, res, next) =>
    parse(req, res, (err) => {
      if (err?.type === 'entity.parse.failed') {
        req.body = undefined;
        return next();
      }
      next(err);
    });
}

export function createApp(db) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(jsonBody());

  const auth = authMiddleware(db);
  const api = express.Router();
  api.get('/openapi.json', (req, res) => res.json(openapi));
  api.use(usersRouter(db, auth));
  api.use(profilesRouter(db, auth));
  api.use(articlesRouter(db, auth));
  api.use(commentsRouter(db, auth));
  api.use(tagsRouter(db));
  app.use('/api', api);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

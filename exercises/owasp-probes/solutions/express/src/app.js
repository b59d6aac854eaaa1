// The documents API, hardened against the OWASP API Security Top 10 probes: routes under /api,
// every answer (errors too) in JSON.
import express from 'express';
import { errorHandler, notFoundHandler } from './errors.js';
import { documentRoutes } from './routes/documents.js';
import { userRoutes } from './routes/users.js';
import { requireUser } from './security.js';

export function createApp(db) {
  const app = express();
  app.use(express.json({ limit: '1mb' }));
  const signedIn = requireUser(db);

  app.get('/api/health', (req, res) => res.json({ status: 'ok' }));
  app.use('/api/documents', documentRoutes(db, signedIn));
  app.use('/api', userRoutes(db, signedIn));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

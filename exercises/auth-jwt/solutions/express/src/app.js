// The notes API and its sign-in service: routes under /api, every answer (errors too) in JSON.
import express from 'express';
import { authMiddleware } from './auth.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { accountRoutes } from './routes/accounts.js';
import { adminRoutes } from './routes/admin.js';
import { noteRoutes } from './routes/notes.js';

export function createApp(db) {
  const app = express();
  app.use(express.json());
  const guards = authMiddleware(db);

  app.get('/api/health', (req, res) => res.json({ status: 'ok' }));
  app.use('/api', accountRoutes(db, guards));
  app.use('/api/notes', noteRoutes(db, guards));
  app.use('/api/admin', adminRoutes(db, guards));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

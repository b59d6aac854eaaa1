// Builds the Express application around a connection pool.
import { readFileSync } from 'node:fs';
import express from 'express';
import { authMiddleware } from './auth.js';
import { errorHandler, methodNotAllowed, notFoundHandler } from './errors.js';
import { jsonBody } from './json.js';
import { LATEST_VERSION } from './migrations.js';
import { cartRouter } from './routes/cart.js';
import { ordersRouter } from './routes/orders.js';
import { paymentsRouter } from './routes/payments.js';
import { productsRouter } from './routes/products.js';
import { reportsRouter } from './routes/reports.js';
import { usersRouter } from './routes/users.js';
import { webhooksRouter } from './routes/webhooks.js';

const openapi = JSON.parse(readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'));

export function createApp(pool) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // Before the JSON parser: the webhook signature is checked over the unparsed body.
  app.use(webhooksRouter(pool));
  app.use(jsonBody());

  app.get('/openapi.json', (req, res) => res.json(openapi));

  const auth = authMiddleware(pool);
  const api = express.Router();
  // Healthy means the database answers and every migration has run.
  api.get('/health', async (req, res) => {
    const { rows } = await pool
      .query('SELECT max(version) AS version FROM schema_migrations')
      .catch(() => ({ rows: [] }));
    if (rows[0]?.version !== LATEST_VERSION) {
      res.status(503).json({ errors: { database: ['is not ready'] } });
      return;
    }
    res.json({ status: 'ok' });
  });
  api.use(usersRouter(pool, auth));
  api.use(productsRouter(pool, auth));
  api.use(cartRouter(pool, auth));
  api.use(paymentsRouter(pool, auth));
  api.use(ordersRouter(pool, auth));
  api.use(reportsRouter(pool, auth));
  app.use('/api', api);

  app.use(methodNotAllowed(openapi));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}

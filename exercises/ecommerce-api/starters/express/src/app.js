// The Shop API: routes under /api (and the provider's webhook), every answer (errors too) in JSON.
import express from 'express';

// Every route of a later stage, answering 501 until you build it.
const LATER = [
  ['post', '/api/users', 'accounts'],
  ['post', '/api/users/login', 'accounts'],
  ['get', '/api/user', 'accounts'],
  ['get', '/api/products', 'catalog'],
  ['post', '/api/products', 'catalog'],
  ['get', '/api/products/:id', 'catalog'],
  ['put', '/api/products/:id', 'catalog'],
  ['delete', '/api/products/:id', 'catalog'],
  ['get', '/api/cart', 'cart'],
  ['put', '/api/cart/items/:productId', 'cart'],
  ['delete', '/api/cart/items/:productId', 'cart'],
  ['post', '/api/orders', 'checkout'],
  ['get', '/api/orders', 'checkout'],
  ['get', '/api/orders/:id', 'checkout'],
  ['post', '/api/orders/:id/payment', 'payment'],
  ['post', '/webhooks/payments', 'webhooks'],
  ['post', '/api/orders/:id/cancel', 'lifecycle'],
  ['post', '/api/orders/:id/fulfil', 'lifecycle'],
  ['post', '/api/orders/:id/deliver', 'lifecycle'],
  ['post', '/api/orders/:id/refunds', 'refunds'],
  ['get', '/api/orders/:id/history', 'audit'],
  ['get', '/api/admin/reports/sales', 'sales-report'],
  ['get', '/openapi.json', 'openapi'],
];

export function createApp(pool) {
  const app = express();
  // The webhooks stage needs the raw body to check its signature: mount that route with
  // express.raw() BEFORE this JSON parser, which would otherwise consume the body.
  app.use(express.json());

  // Stage 1 (health): ok once the database answers (the schema is built before listening).
  app.get('/api/health', async (req, res) => {
    await pool.query('SELECT 1');
    res.json({ status: 'ok' });
  });

  // Replace each placeholder with the real route when you reach its stage.
  for (const [method, path, stage] of LATER) {
    app[method](path, (req, res) => {
      res.status(501).json({
        errors: {
          server: [
            `${method.toUpperCase()} ${path} is not implemented yet: stage ${stage}, ` +
              'see STAGES.md or `learnpath stage`',
          ],
        },
      });
    });
  }

  // Anything else: a JSON 404, never Express's HTML page.
  app.use((req, res) => {
    res.status(404).json({ errors: { route: ['not found'] } });
  });

  // Errors (a bad JSON body, a database error, a bug): JSON too. Express 5 sends the errors
  // thrown in async routes here.
  // eslint-disable-next-line no-unused-vars
  app.use((err, req, res, next) => {
    const status = Number.isInteger(err.status) && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    res
      .status(status)
      .json({ errors: { request: [status === 500 ? 'internal error' : err.message] } });
  });
  return app;
}

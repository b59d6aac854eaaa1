// Orders: checkout, reading them, their lifecycle (cancel, fulfil, deliver) and history.
import express from 'express';
import { checkout } from '../checkout.js';
import { transaction } from '../db.js';
import { conflict, unprocessable } from '../errors.js';
import { findOrder, ordersJson, orderJsonById, transition } from '../orders.js';
import { cancelPaymentIntent, ProviderError, retrievePaymentIntent } from '../payments.js';
import { parseId } from '../validation.js';

function idempotencyKey(req) {
  const key = req.get('idempotency-key');
  if (key === undefined) return undefined;
  if (key.trim() === '' || key.length > 255) {
    throw unprocessable('idempotencyKey', 'must be 1 to 255 characters');
  }
  return key;
}

// An intent that may still be paid must be cancelled at the provider before the order is:
// otherwise the shopper could pay for a cancelled order whose stock is already released.
async function cancelIntent(intentId) {
  try {
    await cancelPaymentIntent(intentId);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    if (err.status === 404) return;
    // Already canceled (a retried cancel) is fine; processing or succeeded is not.
    const intent = await retrievePaymentIntent(intentId);
    if (intent.status !== 'canceled') {
      throw conflict('status', 'cannot go from pending to cancelled: a payment is in progress');
    }
  }
}

export function ordersRouter(pool, { requireAuth, requireAdmin }) {
  const router = express.Router();
  router.use('/orders', requireAuth);

  router.post('/orders', async (req, res) => {
    const key = idempotencyKey(req);
    const { status, json } = await checkout(pool, req.user.id, key, req.body);
    res.status(status).type('application/json').send(json);
  });

  router.get('/orders', async (req, res) => {
    const { rows } = await pool.query(
      'SELECT * FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC',
      [req.user.id],
    );
    res.json({ orders: await ordersJson(pool, rows), ordersCount: rows.length });
  });

  router.get('/orders/:id', async (req, res) => {
    const order = await findOrder(pool, parseId(req.params.id, 'order'), req.user);
    res.json({ order: (await ordersJson(pool, [order]))[0] });
  });

  router.get('/orders/:id/history', async (req, res) => {
    const order = await findOrder(pool, parseId(req.params.id, 'order'), req.user);
    const { rows } = await pool.query(
      'SELECT from_status, to_status, at FROM order_history WHERE order_id = $1 ORDER BY id',
      [order.id],
    );
    const history = rows.map((row) => ({
      from: row.from_status,
      to: row.to_status,
      at: row.at.toISOString(),
    }));
    res.json({ history });
  });

  router.post('/orders/:id/cancel', async (req, res) => {
    const id = parseId(req.params.id, 'order');
    const order = await findOrder(pool, id, req.user);
    if (order.status !== 'pending') {
      throw conflict('status', `cannot go from ${order.status} to cancelled`);
    }
    if (order.payment_intent_id) await cancelIntent(order.payment_intent_id);
    await transaction(pool, async (client) => {
      // Re-read under lock: a webhook may have paid it while the provider was being called.
      const locked = await findOrder(client, id, req.user, { forUpdate: true });
      await transition(client, locked, 'cancelled');
      // The reserved units go back on sale (products deleted since are skipped).
      await client.query(
        `UPDATE products p SET stock = p.stock + i.quantity, version = p.version + 1,
                updated_at = now()
           FROM order_items i WHERE i.order_id = $1 AND p.id = i.product_id`,
        [id],
      );
    });
    res.json({ order: await orderJsonById(pool, id) });
  });

  for (const [action, to] of [
    ['fulfil', 'fulfilled'],
    ['deliver', 'delivered'],
  ]) {
    router.post(`/orders/:id/${action}`, requireAdmin, async (req, res) => {
      const id = parseId(req.params.id, 'order');
      await transaction(pool, async (client) => {
        const order = await findOrder(client, id, req.user, { forUpdate: true });
        await transition(client, order, to);
      });
      res.json({ order: await orderJsonById(pool, id) });
    });
  }

  return router;
}

// The provider's webhooks: verified, recorded once by event id, applied without going backwards.
import express from 'express';
import { config } from '../config.js';
import { transaction } from '../db.js';
import { badRequest } from '../errors.js';
import { canMove, transition } from '../orders.js';
import { verifySignature } from '../payments.js';

async function lockOrderByIntent(client, intentId) {
  if (typeof intentId !== 'string') return undefined;
  const { rows } = await client.query(
    'SELECT * FROM orders WHERE payment_intent_id = $1 FOR UPDATE',
    [intentId],
  );
  return rows[0];
}

// Applies one event inside the transaction that recorded its id. Events for intents this shop
// does not know, and moves the state machine does not allow (a late "succeeded" for an order
// already fulfilled), change nothing.
async function applyEvent(client, event) {
  const object = event.data?.object ?? {};
  if (event.type === 'payment_intent.succeeded') {
    const order = await lockOrderByIntent(client, object.id);
    // The amount must match: an intent paid for less than the order does not pay for it.
    if (order && canMove(order.status, 'paid') && object.amount_received === order.total) {
      await transition(client, order, 'paid');
    }
  } else if (event.type === 'charge.refunded') {
    const order = await lockOrderByIntent(client, object.payment_intent);
    if (!order || !Number.isSafeInteger(object.amount_refunded)) return;
    // amount_refunded is the running total, so a late, older event never lowers it.
    const refunded = Math.min(Math.max(order.refunded_amount, object.amount_refunded), order.total);
    if (refunded === order.refunded_amount) return;
    const to = refunded === order.total ? 'refunded' : 'partially_refunded';
    if (canMove(order.status, to)) {
      await transition(client, order, to, { refunded_amount: refunded });
    }
  }
  // payment_intent.created/processing/payment_failed/canceled and refund.created: a pending
  // order stays pending (payable again), and no other status may be moved back by them.
}

export function webhooksRouter(pool) {
  const router = express.Router();
  // The raw bytes, whatever the Content-Type: the signature covers them exactly.
  router.post(
    '/webhooks/payments',
    express.raw({ type: () => true, limit: '1mb' }),
    async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (!verifySignature(config.webhookSecret, raw, req.get('payments-signature'))) {
        throw badRequest('signature', 'is missing, invalid or too old');
      }
      let event;
      try {
        event = JSON.parse(raw.toString('utf8'));
      } catch {
        throw badRequest('body', 'is not JSON');
      }
      if (typeof event?.id !== 'string' || typeof event.type !== 'string') {
        throw badRequest('event', 'has no id or type');
      }
      // The event row and its effects commit together: a duplicate finds the row and does
      // nothing, and a failure rolls both back and answers 500 so the provider retries.
      const fresh = await transaction(pool, async (client) => {
        const { rowCount } = await client.query(
          'INSERT INTO webhook_events (id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [event.id, event.type],
        );
        if (rowCount === 1) await applyEvent(client, event);
        return rowCount === 1;
      });
      res.json({ received: true, duplicate: !fresh });
    },
  );
  return router;
}

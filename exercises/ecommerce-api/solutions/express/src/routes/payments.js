// Paying an order (a PaymentIntent at the provider) and refunding it.
import express from 'express';
import { transaction } from '../db.js';
import { conflict, unprocessable } from '../errors.js';
import { findOrder, PAID_STATUSES } from '../orders.js';
import { createPaymentIntent, createRefund, ProviderError } from '../payments.js';
import { Checker, MAX_PRICE, parseId, unwrap } from '../validation.js';

const paymentJson = (order) => ({
  intentId: order.payment_intent_id,
  clientSecret: order.client_secret,
  amount: order.total,
  currency: 'eur',
});

export function paymentsRouter(pool, { requireAuth, requireAdmin }) {
  const router = express.Router();

  // The order is marked paid only by the payment_intent.succeeded webhook, never here: the
  // browser confirms the intent, and a confirmation can be declined or settle later.
  router.post('/orders/:id/payment', requireAuth, async (req, res) => {
    const id = parseId(req.params.id, 'order');
    const order = await findOrder(pool, id, req.user, { ownerOnly: true });
    if (order.status !== 'pending') {
      throw conflict('status', `cannot pay an order that is ${order.status}`);
    }
    if (order.payment_intent_id) {
      res.json({ payment: paymentJson(order) });
      return;
    }
    // Two concurrent calls send the same idempotency key, so they get the same intent.
    const intent = await createPaymentIntent(order);
    const { rows } = await pool.query(
      `UPDATE orders SET payment_intent_id = $2, client_secret = $3, updated_at = now()
        WHERE id = $1 AND payment_intent_id IS NULL RETURNING *`,
      [id, intent.id, intent.client_secret],
    );
    const stored = rows[0] ?? {
      ...order,
      payment_intent_id: intent.id,
      client_secret: intent.client_secret,
    };
    res.status(201).json({ payment: paymentJson(stored) });
  });

  // 202: the refund is asked for; the order changes when the charge.refunded webhook arrives.
  router.post('/orders/:id/refunds', requireAdmin, async (req, res) => {
    const id = parseId(req.params.id, 'order');
    const check = new Checker(unwrap(req, 'refund', { optional: true }));
    const asked = check.integer('amount', {
      min: 1,
      max: MAX_PRICE,
      optional: true,
      message: 'must be a positive integer (minor units)',
    });
    check.done();

    // Reserve the amount under the order's lock, so two refunds at once cannot both take the
    // same remainder; refund_requested counts refunds the webhook has not confirmed yet.
    const refund = await transaction(pool, async (client) => {
      const order = await findOrder(client, id, req.user, { forUpdate: true });
      if (!PAID_STATUSES.includes(order.status) || !order.payment_intent_id) {
        throw conflict('status', `cannot refund an order that is ${order.status}`);
      }
      const remaining = order.total - Math.max(order.refund_requested, order.refunded_amount);
      const amount = asked ?? remaining;
      if (remaining === 0) throw unprocessable('amount', 'nothing is left to refund');
      if (amount > remaining) {
        throw unprocessable('amount', `is more than the ${remaining} still refundable`);
      }
      await client.query(
        'UPDATE orders SET refund_requested = $2, updated_at = now() WHERE id = $1',
        [id, order.total - remaining + amount],
      );
      const { rows } = await client.query(
        'INSERT INTO refunds (order_id, amount) VALUES ($1, $2) RETURNING *',
        [id, amount],
      );
      return { ...rows[0], intentId: order.payment_intent_id };
    });

    try {
      const created = await createRefund(refund, refund.intentId);
      await pool.query('UPDATE refunds SET provider_refund_id = $2 WHERE id = $1', [
        refund.id,
        created.id,
      ]);
    } catch (err) {
      // Unreachable provider: the refund may have happened, so the amount stays reserved (the
      // charge.refunded webhook tells); refunding twice would be worse than blocking it.
      if (!(err instanceof ProviderError)) throw err;
      // Refused (4xx): nothing was refunded, so the reserved amount is given back.
      await transaction(pool, async (client) => {
        await client.query(`UPDATE refunds SET status = 'failed' WHERE id = $1`, [refund.id]);
        await client.query(
          'UPDATE orders SET refund_requested = refund_requested - $2 WHERE id = $1',
          [id, refund.amount],
        );
      });
      throw conflict(
        'refund',
        `the payment provider refused it: ${err.error.message ?? err.status}`,
      );
    }
    res
      .status(202)
      .json({ refund: { id: String(refund.id), amount: refund.amount, status: 'pending' } });
  });

  return router;
}

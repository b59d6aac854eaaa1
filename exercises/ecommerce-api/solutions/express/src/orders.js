// Orders: JSON shapes, visibility, and the state machine every status change goes through.
import { conflict, forbidden, notFound } from './errors.js';

// The only moves an order can make. "paid" and the refund states are reached from webhooks
// alone; nothing ever returns to an earlier state.
const TRANSITIONS = {
  pending: ['paid', 'cancelled'],
  paid: ['fulfilled', 'partially_refunded', 'refunded'],
  fulfilled: ['delivered', 'partially_refunded', 'refunded'],
  delivered: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  refunded: [],
  cancelled: [],
};

// Statuses of an order that was paid at some point (refundable, counted as revenue).
export const PAID_STATUSES = ['paid', 'fulfilled', 'delivered', 'partially_refunded', 'refunded'];

export const canMove = (from, to) => TRANSITIONS[from]?.includes(to) ?? false;

export function orderJson(row, items) {
  return {
    id: String(row.id),
    status: row.status,
    items: items.map((item) => ({
      productId: String(item.product_id),
      name: item.name,
      unitPrice: item.unit_price,
      quantity: item.quantity,
      lineTotal: item.unit_price * item.quantity,
    })),
    total: row.total,
    refundedAmount: row.refunded_amount,
    currency: row.currency,
    paymentIntentId: row.payment_intent_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

// Orders with their items in two queries, whatever the number of orders.
export async function ordersJson(db, rows) {
  if (rows.length === 0) return [];
  const { rows: items } = await db.query(
    'SELECT * FROM order_items WHERE order_id = ANY($1::bigint[]) ORDER BY order_id, position',
    [rows.map((row) => row.id)],
  );
  return rows.map((row) =>
    orderJson(
      row,
      items.filter((item) => item.order_id === row.id),
    ),
  );
}

export async function orderJsonById(db, id) {
  const { rows } = await db.query('SELECT * FROM orders WHERE id = $1', [id]);
  return (await ordersJson(db, rows))[0];
}

// The order if this user may see it (its owner, or an admin); someone else's order is a 404,
// so its existence is never revealed. forUpdate locks the row for the caller's transaction.
export async function findOrder(db, id, user, { forUpdate = false, ownerOnly = false } = {}) {
  const { rows } = await db.query(
    `SELECT * FROM orders WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [id],
  );
  const order = rows[0];
  const mine = order && String(order.user_id) === String(user.id);
  if (!order || (!mine && user.role !== 'admin')) throw notFound('order');
  if (ownerOnly && !mine) throw forbidden();
  return order;
}

// Moves a locked order to `to` (with any other column `changes`) and records the change in its
// history; refuses illegal moves with a 409. partially_refunded -> partially_refunded only
// changes the amount, so it adds no history entry.
export async function transition(client, order, to, changes = {}) {
  if (!canMove(order.status, to)) {
    throw conflict('status', `cannot go from ${order.status} to ${to}`);
  }
  const columns = Object.keys(changes);
  const sets = columns.map((column, i) => `${column} = $${i + 3}`);
  const { rows } = await client.query(
    `UPDATE orders SET ${['status = $2', ...sets, 'updated_at = now()'].join(', ')}
     WHERE id = $1 RETURNING *`,
    [order.id, to, ...columns.map((column) => changes[column])],
  );
  if (to !== order.status) {
    await client.query(
      'INSERT INTO order_history (order_id, from_status, to_status) VALUES ($1, $2, $3)',
      [order.id, order.status, to],
    );
  }
  return rows[0];
}

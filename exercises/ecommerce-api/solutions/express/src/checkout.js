// Checkout: the cart becomes an order, with its stock reserved, in one transaction.
import crypto from 'node:crypto';
import { transaction } from './db.js';
import { conflict, unprocessable } from './errors.js';
import { orderJson } from './orders.js';

// JSON with sorted keys: {"a":1,"b":2} and {"b":2,"a":1} are the same request.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export const fingerprint = (body) =>
  crypto
    .createHash('sha256')
    .update(canonical(body ?? {}))
    .digest('hex');

// Claims the key for this user, or returns the stored answer of the request that claimed it.
// The primary key decides a race: the second INSERT waits for the first transaction and then
// finds its row (or, if the first failed and rolled back, claims the key itself).
async function claimKey(client, userId, key, print) {
  const claimed = await client.query(
    `INSERT INTO idempotency_keys (user_id, key, fingerprint, status_code, response)
     VALUES ($1, $2, $3, 0, '') ON CONFLICT DO NOTHING`,
    [userId, key, print],
  );
  if (claimed.rowCount === 1) return null;
  const { rows } = await client.query(
    `SELECT fingerprint, status_code, response FROM idempotency_keys
      WHERE user_id = $1 AND key = $2`,
    [userId, key],
  );
  if (rows[0].fingerprint !== print) {
    throw unprocessable('idempotencyKey', 'was used with a different request');
  }
  return { status: rows[0].status_code, json: rows[0].response };
}

async function placeOrder(client, userId) {
  // Locking the user serialises one shopper's checkouts, so one cart never becomes two orders.
  await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
  const { rows: cart } = await client.query(
    'SELECT product_id, quantity FROM cart_items WHERE user_id = $1 ORDER BY position',
    [userId],
  );
  if (cart.length === 0) throw unprocessable('cart', 'is empty');

  // Reserve with conditional UPDATEs: the row lock and the stock test are one statement, so
  // two checkouts can never both take the last unit. Products are locked in id order, the same
  // order in every transaction, so overlapping carts cannot deadlock.
  const reserved = new Map();
  for (const item of [...cart].sort((a, b) => a.product_id - b.product_id)) {
    const { rows } = await client.query(
      `UPDATE products SET stock = stock - $2, version = version + 1, updated_at = now()
        WHERE id = $1 AND stock >= $2 RETURNING name, price`,
      [item.product_id, item.quantity],
    );
    if (rows.length === 0) {
      throw conflict('stock', `not enough stock for product ${item.product_id}`);
    }
    reserved.set(item.product_id, rows[0]);
  }

  const items = cart.map((item, position) => ({
    position,
    product_id: item.product_id,
    name: reserved.get(item.product_id).name,
    unit_price: reserved.get(item.product_id).price,
    quantity: item.quantity,
  }));
  const total = items.reduce((sum, item) => sum + item.unit_price * item.quantity, 0);
  const { rows } = await client.query(
    `INSERT INTO orders (user_id, status, total) VALUES ($1, 'pending', $2) RETURNING *`,
    [userId, total],
  );
  const order = rows[0];
  await client.query(
    `INSERT INTO order_items (order_id, position, product_id, name, unit_price, quantity)
     SELECT $1::bigint, *
       FROM unnest($2::int[], $3::bigint[], $4::text[], $5::bigint[], $6::int[])`,
    [
      order.id,
      items.map((item) => item.position),
      items.map((item) => item.product_id),
      items.map((item) => item.name),
      items.map((item) => item.unit_price),
      items.map((item) => item.quantity),
    ],
  );
  await client.query(
    `INSERT INTO order_history (order_id, from_status, to_status) VALUES ($1, NULL, 'pending')`,
    [order.id],
  );
  await client.query('DELETE FROM cart_items WHERE user_id = $1', [userId]);
  return orderJson(order, items);
}

// Returns {status, json}: a new order (201), or the stored answer to an earlier request with the
// same Idempotency-Key. A refused checkout (409, 422) rolls back with its key, so it can be
// retried.
export function checkout(pool, userId, key, body) {
  return transaction(pool, async (client) => {
    const print = fingerprint(body);
    if (key !== undefined) {
      const replay = await claimKey(client, userId, key, print);
      if (replay) return replay;
    }
    const result = {
      status: 201,
      json: JSON.stringify({ order: await placeOrder(client, userId) }),
    };
    if (key !== undefined) {
      await client.query(
        `UPDATE idempotency_keys SET status_code = $3, response = $4
          WHERE user_id = $1 AND key = $2`,
        [userId, key, result.status, result.json],
      );
    }
    return result;
  });
}

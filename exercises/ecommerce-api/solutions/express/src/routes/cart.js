// One cart per user: rows of (user, product, quantity), priced from the catalog on every view.
import express from 'express';
import { notFound, unprocessable } from '../errors.js';
import { isInteger, MAX_STOCK, parseId } from '../validation.js';

export async function loadCart(db, userId) {
  const { rows } = await db.query(
    `SELECT c.product_id, p.name, p.price, c.quantity
       FROM cart_items c JOIN products p ON p.id = c.product_id
      WHERE c.user_id = $1 ORDER BY c.position`,
    [userId],
  );
  const items = rows.map((row) => ({
    productId: String(row.product_id),
    name: row.name,
    unitPrice: row.price,
    quantity: row.quantity,
    lineTotal: row.price * row.quantity,
  }));
  const total = items.reduce((sum, item) => sum + item.lineTotal, 0);
  return { items, total, currency: 'EUR' };
}

export function cartRouter(pool, { requireAuth }) {
  const router = express.Router();
  router.use('/cart', requireAuth);

  router.get('/cart', async (req, res) => {
    res.json({ cart: await loadCart(pool, req.user.id) });
  });

  router.put('/cart/items/:productId', async (req, res) => {
    const productId = parseId(req.params.productId, 'product');
    const { rows } = await pool.query('SELECT stock FROM products WHERE id = $1', [productId]);
    if (rows.length === 0) throw notFound('product');
    const quantity = req.body?.quantity;
    if (!isInteger(quantity, 1, MAX_STOCK)) {
      throw unprocessable('quantity', 'must be an integer of 1 or more');
    }
    // Advisory only: stock is re-checked under lock at checkout, which is what counts.
    if (quantity > rows[0].stock) {
      throw unprocessable('quantity', `is more than the ${rows[0].stock} in stock`);
    }
    // One row per product and an upsert: concurrent PUTs of different products never
    // overwrite each other, and a changed quantity keeps the item's place.
    await pool
      .query(
        `INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity`,
        [req.user.id, productId, quantity],
      )
      .catch((err) => {
        // The product was deleted since it was read.
        throw err.code === '23503' ? notFound('product') : err;
      });
    res.json({ cart: await loadCart(pool, req.user.id) });
  });

  router.delete('/cart/items/:productId', async (req, res) => {
    const productId = parseId(req.params.productId, 'item');
    const { rowCount } = await pool.query(
      'DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2',
      [req.user.id, productId],
    );
    if (rowCount === 0) throw notFound('item');
    res.json({ cart: await loadCart(pool, req.user.id) });
  });

  return router;
}

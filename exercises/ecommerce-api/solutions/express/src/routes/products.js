// The catalog: anyone reads it, admins change it.
import express from 'express';
import { notFound, unprocessable } from '../errors.js';
import { productEtag, productJson } from '../products.js';
import { Checker, MAX_PRICE, MAX_STOCK, parseId, queryInteger, unwrap } from '../validation.js';

// Whitelisted ORDER BY clauses: the sort parameter never reaches SQL as text.
const SORTS = {
  price: 'price ASC, id ASC',
  '-price': 'price DESC, id DESC',
  name: 'name ASC, id ASC',
  '-name': 'name DESC, id DESC',
  createdAt: 'created_at ASC, id ASC',
  '-createdAt': 'created_at DESC, id DESC',
};

function productFields(body, { partial }) {
  const check = new Checker(body);
  const optional = partial;
  const fields = {
    name: check.string('name', { optional }),
    description: check.text('description'),
    price: check.integer('price', {
      min: 1,
      max: MAX_PRICE,
      optional,
      message: 'must be a positive integer (minor units, e.g. 1999 for 19.99)',
    }),
    currency: check.currency('currency', { optional }),
    stock: check.integer('stock', {
      min: 0,
      max: MAX_STOCK,
      optional,
      message: 'must be an integer of 0 or more',
    }),
  };
  check.done();
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function listFilters(query) {
  const limit = queryInteger(query, 'limit', { min: 1, max: 100, fallback: 20 });
  const offset = queryInteger(query, 'offset', { min: 0, max: 1e12, fallback: 0 });
  const minPrice = queryInteger(query, 'minPrice', { min: 0, max: MAX_PRICE, fallback: null });
  const maxPrice = queryInteger(query, 'maxPrice', { min: 0, max: MAX_PRICE, fallback: null });
  const sort = query.sort ?? '-createdAt';
  if (typeof sort !== 'string' || !Object.hasOwn(SORTS, sort)) {
    throw unprocessable('sort', `must be one of ${Object.keys(SORTS).join(', ')}`);
  }
  const q = query.q ?? '';
  if (typeof q !== 'string' || q.includes('\0')) throw unprocessable('q', 'must be a string');
  return { limit, offset, minPrice, maxPrice, sort, q };
}

export function productsRouter(pool, { requireAdmin }) {
  const router = express.Router();

  router.get('/products', async (req, res) => {
    const { limit, offset, minPrice, maxPrice, sort, q } = listFilters(req.query);
    // ILIKE wildcards typed by the user match literally.
    const pattern = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const where = `WHERE ($1 = '%%' OR name ILIKE $1 OR description ILIKE $1)
      AND ($2::bigint IS NULL OR price >= $2) AND ($3::bigint IS NULL OR price <= $3)`;
    const params = [pattern, minPrice, maxPrice];
    const [page, count] = await Promise.all([
      pool.query(`SELECT * FROM products ${where} ORDER BY ${SORTS[sort]} LIMIT $4 OFFSET $5`, [
        ...params,
        limit,
        offset,
      ]),
      pool.query(`SELECT count(*) AS n FROM products ${where}`, params),
    ]);
    res.json({ products: page.rows.map(productJson), productsCount: count.rows[0].n });
  });

  router.get('/products/:id', async (req, res) => {
    const id = parseId(req.params.id, 'product');
    const { rows } = await pool.query('SELECT * FROM products WHERE id = $1', [id]);
    if (rows.length === 0) throw notFound('product');
    const etag = productEtag(rows[0]);
    res.set('ETag', etag);
    res.set('Cache-Control', 'no-cache');
    const inm = req.get('if-none-match');
    if (
      inm &&
      inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag || tag.trim() === '*')
    ) {
      res.status(304).end();
      return;
    }
    res.json({ product: productJson(rows[0]) });
  });

  router.post('/products', requireAdmin, async (req, res) => {
    const product = productFields(unwrap(req, 'product'), { partial: false });
    const { rows } = await pool.query(
      `INSERT INTO products (name, description, price, currency, stock)
       VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [product.name, product.description ?? '', product.price, product.currency, product.stock],
    );
    res
      .status(201)
      .set('ETag', productEtag(rows[0]))
      .json({ product: productJson(rows[0]) });
  });

  router.put('/products/:id', requireAdmin, async (req, res) => {
    const id = parseId(req.params.id, 'product');
    const changes = productFields(unwrap(req, 'product'), { partial: true });
    const columns = Object.keys(changes);
    const sets = columns.map((column, i) => `${column} = $${i + 2}`);
    const { rows } = await pool.query(
      `UPDATE products SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
       WHERE id = $1 RETURNING *`,
      [id, ...columns.map((column) => changes[column])],
    );
    if (rows.length === 0) throw notFound('product');
    res.set('ETag', productEtag(rows[0])).json({ product: productJson(rows[0]) });
  });

  router.delete('/products/:id', requireAdmin, async (req, res) => {
    const id = parseId(req.params.id, 'product');
    const { rowCount } = await pool.query('DELETE FROM products WHERE id = $1', [id]);
    if (rowCount === 0) throw notFound('product');
    res.status(204).end();
  });

  return router;
}

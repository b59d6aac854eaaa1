// Admin reports, computed by PostgreSQL.
import express from 'express';
import { unprocessable } from '../errors.js';
import { PAID_STATUSES } from '../orders.js';

// A real calendar date in YYYY-MM-DD ("2026-02-30" is refused, not rolled over).
function dateParam(query, name) {
  const value = query[name];
  const valid =
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(value) &&
    !Number.isNaN(Date.parse(value)) &&
    new Date(value).toISOString().slice(0, 10) === value;
  if (!valid) throw unprocessable(name, 'must be a date as YYYY-MM-DD');
  return value;
}

export function reportsRouter(pool, { requireAdmin }) {
  const router = express.Router();

  // Per UTC day of creation, the orders that reached "paid" and what they earned net of refunds.
  // A range that ends before it starts is empty, not an error.
  router.get('/admin/reports/sales', requireAdmin, async (req, res) => {
    const from = dateParam(req.query, 'from');
    const to = dateParam(req.query, 'to');
    const { rows } = await pool.query(
      `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date,
              count(*) AS orders,
              sum(total - refunded_amount)::bigint AS revenue
         FROM orders
        WHERE status = ANY($3)
          AND created_at >= ($1::date)::timestamp AT TIME ZONE 'UTC'
          AND created_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
        GROUP BY 1
        ORDER BY 1`,
      [from, to, PAID_STATUSES],
    );
    res.json({ days: rows });
  });

  return router;
}

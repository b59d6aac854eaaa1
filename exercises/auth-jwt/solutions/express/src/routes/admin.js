// Routes for admins only: the role check runs before every route of this router.
import { Router } from 'express';
import { config } from '../config.js';
import { notFound, unprocessable } from '../errors.js';

export function adminRoutes(db, { requireRole }) {
  const router = Router();
  router.use(requireRole('admin'));

  router.get('/users', (req, res) => {
    const rows = db.stmt('SELECT id, email, role FROM users ORDER BY id').all();
    res.json({ users: rows.map(({ id, email, role }) => ({ id, email, role })) });
  });

  router.put('/users/:id/role', (req, res) => {
    const role = req.body?.role;
    if (!config.roles.includes(role)) throw unprocessable('role', `must be one of ${config.roles.join(', ')}`);
    const changed = db.stmt('UPDATE users SET role = ? WHERE id = ?').run(role, Number(req.params.id) || 0);
    if (changed.changes === 0) throw notFound('user');
    const { id, email } = db.stmt('SELECT id, email FROM users WHERE id = ?').get(Number(req.params.id));
    res.json({ user: { id, email, role } });
  });

  return router;
}

// The signed-in user and role checks. The user *and their role* are read from the database on
// every request: a token only says who is asking, so a demotion counts from the next request.
import { forbidden, unauthorized } from './errors.js';
import { userIdFromAccessToken } from './tokens.js';

export function authMiddleware(db) {
  const requireUser = (req, res, next) => {
    const header = req.get('authorization');
    if (!header) throw unauthorized('is missing');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const id = match && userIdFromAccessToken(match[1]);
    const user = id && db.stmt('SELECT id, email, role FROM users WHERE id = ?').get(id);
    if (!user) throw unauthorized('is invalid');
    req.user = { id: user.id, email: user.email, role: user.role };
    next();
  };

  // requireRole('admin'): 401 without a valid token, then 403 without the role.
  const requireRole =
    (...roles) =>
    (req, res, next) =>
      requireUser(req, res, () => {
        if (!roles.includes(req.user.role)) throw forbidden('role');
        next();
      });

  return { requireUser, requireRole };
}

// /api/profiles/:username and following.
import { Router } from 'express';
import { notFound } from '../errors.js';
import { findUserByUsername, isFollowing, toProfile } from '../profiles.js';

export function profilesRouter(db, { requireAuth, optionalAuth }) {
  const router = Router();

  function loadProfile(req) {
    const user = findUserByUsername(db, req.params.username);
    if (!user) throw notFound('profile');
    return user;
  }

  router.get('/profiles/:username', optionalAuth, (req, res) => {
    const user = loadProfile(req);
    res.json({ profile: toProfile(user, isFollowing(db, req.user?.id, user.id)) });
  });

  router.post('/profiles/:username/follow', requireAuth, (req, res) => {
    const user = loadProfile(req);
    // Following yourself is a no-op.
    if (user.id !== req.user.id) {
      db.stmt('INSERT OR IGNORE INTO follows (follower_id, followed_id) VALUES (?, ?)').run(req.user.id, user.id);
    }
    res.json({ profile: toProfile(user, isFollowing(db, req.user.id, user.id)) });
  });

  router.delete('/profiles/:username/follow', requireAuth, (req, res) => {
    const user = loadProfile(req);
    db.stmt('DELETE FROM follows WHERE follower_id = ? AND followed_id = ?').run(req.user.id, user.id);
    res.json({ profile: toProfile(user, false) });
  });

  return router;
}

// User and profile lookups shared by several routes.
import { signToken } from './auth.js';

export const findUserByUsername = (db, username) =>
  db.stmt('SELECT * FROM users WHERE username = ?').get(username);

export function isFollowing(db, viewerId, userId) {
  if (!viewerId) return false;
  return Boolean(db.stmt('SELECT 1 FROM follows WHERE follower_id = ? AND followed_id = ?').get(viewerId, userId));
}

export const toProfile = (user, following) => ({
  username: user.username,
  bio: user.bio ?? null,
  image: user.image ?? null,
  following: Boolean(following),
});

export const toUser = (user) => ({
  email: user.email,
  token: signToken(user.id),
  username: user.username,
  bio: user.bio ?? null,
  image: user.image ?? null,
});

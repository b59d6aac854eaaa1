// /api/articles/:slug/comments.
import { Router } from 'express';
import { now } from '../db.js';
import { forbidden, notFound } from '../errors.js';
import { findArticleBySlug } from '../articles.js';
import { Checker, unwrap } from '../validation.js';

const COMMENT_SELECT = `
  SELECT c.id, c.body, c.created_at, c.updated_at,
         u.username, u.bio, u.image,
         EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = @viewer AND fo.followed_id = c.author_id) AS following
  FROM comments c
  JOIN users u ON u.id = c.author_id`;

const toComment = (row) => ({
  id: row.id,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  body: row.body,
  author: {
    username: row.username,
    bio: row.bio ?? null,
    image: row.image ?? null,
    following: Boolean(row.following),
  },
});

export function commentsRouter(db, { requireAuth, optionalAuth }) {
  const router = Router();

  function loadArticle(req) {
    const article = findArticleBySlug(db, req.params.slug);
    if (!article) throw notFound('article');
    return article;
  }

  // Oldest first.
  router.get('/articles/:slug/comments', optionalAuth, (req, res) => {
    const article = loadArticle(req);
    const rows = db
      .stmt(`${COMMENT_SELECT} WHERE c.article_id = @article ORDER BY c.id`)
      .all({ article: article.id, viewer: req.user?.id || 0 });
    res.json({ comments: rows.map(toComment) });
  });

  router.post('/articles/:slug/comments', requireAuth, (req, res) => {
    const article = loadArticle(req);
    const check = new Checker(unwrap(req, 'comment'));
    const body = check.string('body');
    check.done();

    const timestamp = now();
    const { lastInsertRowid } = db
      .stmt('INSERT INTO comments (article_id, author_id, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(article.id, req.user.id, body, timestamp, timestamp);
    const row = db.stmt(`${COMMENT_SELECT} WHERE c.id = @id`).get({ id: lastInsertRowid, viewer: req.user.id });
    res.status(201).json({ comment: toComment(row) });
  });

  router.delete('/articles/:slug/comments/:id', requireAuth, (req, res) => {
    const article = loadArticle(req);
    const id = /^\d+$/.test(req.params.id) ? Number(req.params.id) : NaN;
    const comment = Number.isSafeInteger(id)
      ? db.stmt('SELECT * FROM comments WHERE id = ? AND article_id = ?').get(id, article.id)
      : undefined;
    if (!comment) throw notFound('comment');
    if (comment.author_id !== req.user.id) throw forbidden('comment');
    db.stmt('DELETE FROM comments WHERE id = ?').run(comment.id);
    res.status(204).end();
  });

  return router;
}

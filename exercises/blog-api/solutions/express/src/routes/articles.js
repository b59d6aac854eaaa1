// /api/articles: list, feed, CRUD and favorites.
import { Router } from 'express';
import { now } from '../db.js';
import { forbidden, notFound, validationError } from '../errors.js';
import { articleJson, findArticleBySlug, listArticles, setTags, uniqueSlug } from '../articles.js';
import { Checker, unwrap } from '../validation.js';

const MAX_LIMIT = 100;

// ?limit= (1..100, default 20) and ?offset= (>= 0, default 0).
function pagination(query) {
  const errors = {};
  const parse = (name, fallback, min, max, message) => {
    const raw = query[name];
    if (raw === undefined || raw === '') return fallback;
    const value = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(value >= min && value <= max)) errors[name] = [message];
    return value;
  };
  const limit = parse('limit', 20, 1, MAX_LIMIT, `must be an integer from 1 to ${MAX_LIMIT}`);
  const offset = parse('offset', 0, 0, Number.MAX_SAFE_INTEGER, 'must be an integer of at least 0');
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return { limit, offset };
}

// ?tag=, ?author=, ?favorited=: each a single string when given.
function filters(query) {
  const result = {};
  for (const name of ['tag', 'author', 'favorited']) {
    const value = query[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw validationError({ [name]: ['must be a single value'] });
    result[name] = value;
  }
  return result;
}

export function articlesRouter(db, { requireAuth, optionalAuth }) {
  const router = Router();

  function loadArticle(req) {
    const article = findArticleBySlug(db, req.params.slug);
    if (!article) throw notFound('article');
    return article;
  }

  function loadOwnArticle(req) {
    const article = loadArticle(req);
    if (article.author_id !== req.user.id) throw forbidden('article');
    return article;
  }

  router.get('/articles', optionalAuth, (req, res) => {
    const page = pagination(req.query);
    res.json(listArticles(db, filters(req.query), { ...page, viewerId: req.user?.id }));
  });

  router.get('/articles/feed', requireAuth, (req, res) => {
    const page = pagination(req.query);
    res.json(listArticles(db, { feedOf: req.user.id }, { ...page, viewerId: req.user.id }));
  });

  router.post('/articles', requireAuth, (req, res) => {
    const check = new Checker(unwrap(req, 'article'));
    const title = check.string('title');
    const description = check.string('description');
    const body = check.string('body');
    const tagList = check.tagList('tagList') ?? [];
    check.done();

    const id = db.transaction(() => {
      const timestamp = now();
      const { lastInsertRowid } = db
        .stmt(
          `INSERT INTO articles (slug, title, description, body, author_id, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(uniqueSlug(db, title), title, description, body, req.user.id, timestamp, timestamp);
      setTags(db, lastInsertRowid, tagList);
      return lastInsertRowid;
    })();
    res.status(201).json({ article: articleJson(db, id, req.user.id) });
  });

  router.get('/articles/:slug', optionalAuth, (req, res) => {
    const article = loadArticle(req);
    res.json({ article: articleJson(db, article.id, req.user?.id) });
  });

  router.put('/articles/:slug', requireAuth, (req, res) => {
    const article = loadOwnArticle(req);
    const check = new Checker(unwrap(req, 'article'));
    const title = check.string('title', { optional: true });
    const description = check.string('description', { optional: true });
    const body = check.string('body', { optional: true });
    const tagList = check.tagList('tagList');
    check.done();

    db.transaction(() => {
      // updatedAt always moves forward, even within the same millisecond.
      let updatedAt = now();
      if (updatedAt <= article.updated_at) {
        updatedAt = new Date(Date.parse(article.updated_at) + 1).toISOString();
      }
      const slug = title !== undefined && title !== article.title ? uniqueSlug(db, title, article.id) : article.slug;
      db.stmt(
        `UPDATE articles SET slug = ?, title = ?, description = ?, body = ?, updated_at = ?
         WHERE id = ?`,
      ).run(
        slug,
        title ?? article.title,
        description ?? article.description,
        body ?? article.body,
        updatedAt,
        article.id,
      );
      if (tagList !== undefined) setTags(db, article.id, tagList);
    })();
    res.json({ article: articleJson(db, article.id, req.user.id) });
  });

  router.delete('/articles/:slug', requireAuth, (req, res) => {
    const article = loadOwnArticle(req);
    db.stmt('DELETE FROM articles WHERE id = ?').run(article.id);
    res.status(204).end();
  });

  router.post('/articles/:slug/favorite', requireAuth, (req, res) => {
    const article = loadArticle(req);
    db.stmt('INSERT OR IGNORE INTO favorites (user_id, article_id) VALUES (?, ?)').run(req.user.id, article.id);
    res.json({ article: articleJson(db, article.id, req.user.id) });
  });

  router.delete('/articles/:slug/favorite', requireAuth, (req, res) => {
    const article = loadArticle(req);
    db.stmt('DELETE FROM favorites WHERE user_id = ? AND article_id = ?').run(req.user.id, article.id);
    res.json({ article: articleJson(db, article.id, req.user.id) });
  });

  return router;
}

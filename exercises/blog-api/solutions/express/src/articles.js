// Article queries: one query per page plus one batched tag lookup.
import crypto from 'node:crypto';

// The article, its author's profile and the viewer-specific flags;
// @viewer is the current user's id (0 when anonymous). Lists skip the body.
const articleSelect = (withBody) => `
  SELECT a.id, a.slug, a.title, a.description, ${withBody ? 'a.body,' : ''} a.created_at, a.updated_at,
         u.username AS author_username, u.bio AS author_bio, u.image AS author_image,
         (SELECT COUNT(*) FROM favorites f WHERE f.article_id = a.id) AS favorites_count,
         EXISTS (SELECT 1 FROM favorites f WHERE f.article_id = a.id AND f.user_id = @viewer) AS favorited,
         EXISTS (SELECT 1 FROM follows fo WHERE fo.follower_id = @viewer AND fo.followed_id = a.author_id) AS following
  FROM articles a
  JOIN users u ON u.id = a.author_id`;

function tagsFor(db, articleIds) {
  if (articleIds.length === 0) return new Map();
  const rows = db
    .stmt(
      `SELECT at.article_id, t.name
       FROM article_tags at JOIN tags t ON t.id = at.tag_id
       WHERE at.article_id IN (SELECT value FROM json_each(?))
       ORDER BY t.name`,
    )
    .all(JSON.stringify(articleIds));
  const byArticle = new Map(articleIds.map((id) => [id, []]));
  for (const row of rows) byArticle.get(row.article_id).push(row.name);
  return byArticle;
}

function toArticle(row, tagList, withBody) {
  return {
    slug: row.slug,
    title: row.title,
    description: row.description,
    ...(withBody ? { body: row.body } : {}),
    tagList,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    favorited: Boolean(row.favorited),
    favoritesCount: row.favorites_count,
    author: {
      username: row.author_username,
      bio: row.author_bio ?? null,
      image: row.author_image ?? null,
      following: Boolean(row.following),
    },
  };
}

function present(db, rows, withBody) {
  const tags = tagsFor(db, rows.map((row) => row.id));
  return rows.map((row) => toArticle(row, tags.get(row.id), withBody));
}

// The stored row (for ownership checks) or undefined.
export const findArticleBySlug = (db, slug) => db.stmt('SELECT * FROM articles WHERE slug = ?').get(slug);

// The full JSON article (with body) as seen by viewerId.
export function articleJson(db, articleId, viewerId) {
  const row = db.stmt(`${articleSelect(true)} WHERE a.id = @id`).get({ id: articleId, viewer: viewerId || 0 });
  return present(db, [row], true)[0];
}

// filters: { tag, author, favorited, feedOf } (all optional); newest first.
export function listArticles(db, filters, { limit, offset, viewerId }) {
  const where = [];
  const params = { viewer: viewerId || 0, limit, offset };
  if (filters.author !== undefined) {
    where.push('a.author_id = (SELECT id FROM users WHERE username = @author)');
    params.author = filters.author;
  }
  if (filters.tag !== undefined) {
    where.push(`a.id IN (SELECT at.article_id FROM article_tags at
                JOIN tags t ON t.id = at.tag_id WHERE t.name = @tag)`);
    params.tag = filters.tag;
  }
  if (filters.favorited !== undefined) {
    where.push(`a.id IN (SELECT f.article_id FROM favorites f
                JOIN users fu ON fu.id = f.user_id WHERE fu.username = @favorited)`);
    params.favorited = filters.favorited;
  }
  if (filters.feedOf !== undefined) {
    where.push('a.author_id IN (SELECT followed_id FROM follows WHERE follower_id = @feedOf)');
    params.feedOf = filters.feedOf;
  }
  const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';

  const { count } = db.stmt(`SELECT COUNT(*) AS count FROM articles a ${whereSql}`).get(params);
  const rows = db.stmt(`${articleSelect(false)} ${whereSql} ORDER BY a.id DESC LIMIT @limit OFFSET @offset`).all(params);
  return { articles: present(db, rows, false), articlesCount: count };
}

// "Hello, World!" -> "hello-world"; never empty, never a fixed route name.
function slugify(title) {
  const base = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return base || 'article';
}

// A slug not used by another article: the title's slug, or it plus a short random suffix.
export function uniqueSlug(db, title, articleId = 0) {
  const base = slugify(title);
  const taken = (slug) =>
    slug === 'feed' || Boolean(db.stmt('SELECT 1 FROM articles WHERE slug = ? AND id != ?').get(slug, articleId));
  let slug = base;
  while (taken(slug)) slug = `${base}-${crypto.randomBytes(3).toString('hex')}`;
  return slug;
}

// Replaces an article's tags with the given names.
export function setTags(db, articleId, names) {
  db.stmt('DELETE FROM article_tags WHERE article_id = ?').run(articleId);
  const insertTag = db.stmt('INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING');
  const tagId = db.stmt('SELECT id FROM tags WHERE name = ?');
  const link = db.stmt('INSERT INTO article_tags (article_id, tag_id) VALUES (?, ?)');
  for (const name of names) {
    insertTag.run(name);
    link.run(articleId, tagId.get(name).id);
  }
}

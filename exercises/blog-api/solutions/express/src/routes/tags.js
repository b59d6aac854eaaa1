// /api/tags: every tag used by at least one article, alphabetically.
import { Router } from 'express';

export function tagsRouter(db) {
  const router = Router();

  router.get('/tags', (req, res) => {
    const tags = db
      .stmt(
        `SELECT t.name FROM tags t
         WHERE EXISTS (SELECT 1 FROM article_tags at WHERE at.tag_id = t.id)
         ORDER BY t.name`,
      )
      .pluck()
      .all();
    res.json({ tags });
  });

  return router;
}

// The notes API.
import express from 'express';
import { toNote } from './db.js';

export function createApp(db) {
  const app = express();
  app.use(express.json());

  // Read one note. It works already; stage problems turns its 404 into an RFC 9457 problem.
  app.get('/notes/:id', (req, res) => {
    const row = db.prepare('SELECT * FROM notes WHERE id = ?').get(req.params.id);
    if (!row) {
      res.status(404).json({ detail: `note ${req.params.id} does not exist` });
      return;
    }
    res.json(toNote(row));
  });

  // Stage create-read: replace this placeholder with the real thing (201, Location, the note).
  app.post('/notes', (req, res) => {
    res.status(501).type('application/problem+json').send(
      JSON.stringify({
        type: 'about:blank',
        title: 'Not Implemented',
        status: 501,
        detail: 'POST /notes is not implemented yet: stage create-read, see STAGES.md or `learnpath stage`',
      }),
    );
  });

  // Errors (a bad JSON body, a bug): JSON, never Express's HTML page.
  app.use((err, req, res, next) => {
    const status = Number.isInteger(err.status) && err.status < 500 ? err.status : 500;
    if (status === 500) console.error(err);
    res.status(status).json({ detail: status === 500 ? 'internal error' : err.message });
  });
  return app;
}

// Entry point: PORT=8000 node src/server.js
import { createApp } from './app.js';
import { openDatabase } from './db.js';

const port = Number.parseInt(process.env.PORT || '3000', 10);
const host = process.env.HOST || '127.0.0.1';
const db = openDatabase();

const server = createApp(db).listen(port, host, () => {
  console.log(`Notes API listening on http://${host}:${port}`);
});

// Stop cleanly when learnpath (or Ctrl-C) asks.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => {
      db.close();
      process.exit(0);
    });
    server.closeAllConnections();
  });
}

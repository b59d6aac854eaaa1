// Entry point: PORT=8000 node src/server.js
import { createApp } from './app.js';
import { config } from './config.js';
import { openDatabase } from './db.js';

const db = openDatabase(config.databasePath);
const server = createApp(db).listen(config.port, config.host, () => {
  console.log(`Notes API listening on http://${config.host}:${config.port} (database: ${config.databasePath})`);
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

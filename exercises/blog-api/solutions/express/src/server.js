// Entry point: opens the database, serves the API and stops cleanly on SIGTERM.
import { config } from './config.js';
import { openDatabase } from './db.js';
import { createApp } from './app.js';

const db = openDatabase(config.databasePath);
const server = createApp(db).listen(config.port, config.host, () => {
  console.log(`Conduit API listening on http://${config.host}:${config.port} (database: ${config.databasePath})`);
});

function shutdown(signal) {
  console.log(`${signal} received, shutting down`);
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeIdleConnections();
  // Requests still running after 2 s are cut off.
  setTimeout(() => {
    server.closeAllConnections();
    db.close();
    process.exit(0);
  }, 2000).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

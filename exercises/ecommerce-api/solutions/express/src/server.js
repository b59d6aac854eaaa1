// Entry point: migrates the database, seeds the admin, serves the API, stops cleanly on SIGTERM.
import { config } from './config.js';
import { createPool } from './db.js';
import { migrate } from './migrations.js';
import { seedAdmin } from './routes/users.js';
import { createApp } from './app.js';

const pool = createPool(config.databaseUrl);
await migrate(pool);
await seedAdmin(pool, config.adminPassword);

const server = createApp(pool).listen(config.port, config.host, () => {
  console.log(`Shop API listening on http://${config.host}:${config.port}`);
});

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal} received, shutting down`);
  // Stop accepting, let requests in flight finish, then close the pool.
  server.close(async () => {
    await pool.end();
    process.exit(0);
  });
  server.closeIdleConnections();
  // Requests still running after 5 s are cut off.
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(0);
  }, 5000).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

// The server: builds the schema, then serves on 127.0.0.1:$PORT until SIGTERM.
import { createApp } from './app.js';
import { createPool, migrate } from './db.js';

const port = Number.parseInt(process.env.PORT || '3000', 10);
const host = process.env.HOST || '127.0.0.1';
const pool = createPool();
// Migrations first: the health check (and every route) may rely on the tables existing.
await migrate(pool);

const server = createApp(pool).listen(port, host, () => {
  console.log(`Shop API listening on http://${host}:${port}`);
});

// Stop cleanly when learnpath (or Ctrl-C) asks: finish requests, then close the pool.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(async () => {
      await pool.end();
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  });
}

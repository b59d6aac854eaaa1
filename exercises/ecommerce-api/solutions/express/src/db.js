// The PostgreSQL connection pool and a transaction helper.
import pg from 'pg';

// BIGINT (money, ids, counts) arrives as a string by default; every amount here is far below
// 2^53, so numbers are safe and keep the JSON free of quoted integers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

export function createPool(connectionString) {
  const pool = new pg.Pool({ connectionString, max: 10, idleTimeoutMillis: 10_000 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', (err) => console.error('idle database client failed:', err.message));
  return pool;
}

// Runs fn(client) inside BEGIN/COMMIT on one pooled connection; any throw rolls back.
export async function transaction(pool, fn) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

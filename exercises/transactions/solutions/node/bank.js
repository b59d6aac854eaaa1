// bank: a small command-line bank on PostgreSQL, with pg.
//
//   node bank.js balance ACCOUNT
//   node bank.js transfer FROM TO AMOUNT      (AMOUNT: a positive integer number of cents)
//   node bank.js leave DOCTOR
//
// Every command prints one JSON line and exits 0, a refused operation included
// ({"ok": false, "error": "insufficient_funds"}). The database is $DATABASE_URL; its tables are
// in schema.sql.
//
// isolation transfer: read committed - because a transfer locks both account rows (in id order)
//   before it reads them, so it always works on the latest committed balances; a stricter level
//   would only add serialization failures on busy accounts.
// isolation leave: serializable - because the rota rule reads the other doctors' rows but writes
//   only the leaving doctor's row (write skew): SERIALIZABLE notices two such leaves breaking the
//   rule together and fails one of them, which is then retried and refused.

'use strict';

const { Client, types } = require('pg');

// bigint (cents, ids) arrives as text by default; these values stay far below 2^53.
types.setTypeParser(20, (text) => Number(text));

// Retry the WHOLE transaction on these SQLSTATEs, never a single statement: its earlier reads
// are stale. 40001 serialization_failure, 40P01 deadlock_detected.
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 8;
const AMOUNT = /^[1-9][0-9]{0,14}$/;
const USAGE = 'usage: node bank.js balance ACCOUNT | transfer FROM TO AMOUNT | leave DOCTOR';

// A business rule said no: the transaction is rolled back and the answer is ok: false.
class Refused extends Error {
  constructor(error) {
    super(error);
    this.error = error;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Run work() in one transaction at `isolation`; when PostgreSQL gives up on it (serialization
// failure, deadlock), run it again from the start, a bounded number of times with jittered
// exponential backoff.
async function inTransaction(client, isolation, work) {
  for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const result = await work();
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK');
      if (err instanceof Refused) return { ok: false, error: err.error };
      if (!RETRYABLE.has(err.code)) throw err;
      if (attempt === ATTEMPTS) return { ok: false, error: 'retry_limit' };
      await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
    }
  }
  throw new Error('unreachable');
}

async function balance(client, account) {
  const { rows } = await client.query('SELECT balance FROM accounts WHERE id = $1', [account]);
  if (rows.length === 0) return { ok: false, error: 'unknown_account' };
  return { ok: true, account, balance: rows[0].balance };
}

async function transfer(client, source, target, amountText) {
  if (!AMOUNT.test(amountText)) return { ok: false, error: 'invalid_amount' };
  if (source === target) return { ok: false, error: 'same_account' };
  const amount = Number(amountText);

  return inTransaction(client, 'READ COMMITTED', async () => {
    const balances = new Map();
    // Lock both rows in one global order (by id), whatever the transfer's direction: two
    // opposite transfers then queue for the same first row instead of deadlocking.
    for (const account of [source, target].sort()) {
      const { rows } = await client.query(
        'SELECT balance FROM accounts WHERE id = $1 FOR UPDATE',
        [account],
      );
      if (rows.length === 0) throw new Refused('unknown_account');
      balances.set(account, rows[0].balance);
    }
    if (balances.get(source) < amount) throw new Refused('insufficient_funds');
    await client.query('UPDATE accounts SET balance = balance - $1 WHERE id = $2', [amount, source]);
    await client.query('UPDATE accounts SET balance = balance + $1 WHERE id = $2', [amount, target]);
    const { rows } = await client.query(
      'INSERT INTO transfers (from_id, to_id, amount) VALUES ($1, $2, $3) RETURNING id',
      [source, target, amount],
    );
    return {
      ok: true,
      transfer_id: rows[0].id,
      from_balance: balances.get(source) - amount,
      to_balance: balances.get(target) + amount,
    };
  });
}

async function leave(client, doctor) {
  return inTransaction(client, 'SERIALIZABLE', async () => {
    const found = await client.query('SELECT shift, on_call FROM doctors WHERE id = $1', [doctor]);
    if (found.rows.length === 0) throw new Refused('unknown_doctor');
    const { shift, on_call: onCall } = found.rows[0];
    if (!onCall) throw new Refused('not_on_call');
    const others = await client.query(
      'SELECT count(*) AS n FROM doctors WHERE shift = $1 AND on_call AND id <> $2',
      [shift, doctor],
    );
    if (others.rows[0].n === 0) throw new Refused('last_on_call');
    await client.query('UPDATE doctors SET on_call = false WHERE id = $1', [doctor]);
    return { ok: true, doctor, on_call: false };
  });
}

const COMMANDS = new Map([
  ['balance', { run: balance, arity: 1 }],
  ['transfer', { run: transfer, arity: 3 }],
  ['leave', { run: leave, arity: 1 }],
]);

async function main(argv) {
  const url = process.env.DATABASE_URL;
  const command = COMMANDS.get(argv[0]);
  if (!url || !command || argv.length - 1 !== command.arity) {
    console.error(url ? USAGE : 'DATABASE_URL is not set');
    return 2;
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await command.run(client, ...argv.slice(1));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } finally {
    await client.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);

// bank: a small command-line bank on PostgreSQL, with pg.
//
//   node bank.js balance ACCOUNT
//   node bank.js transfer FROM TO AMOUNT      (AMOUNT: a positive integer number of cents)
//   node bank.js leave DOCTOR
//
// Every command prints ONE JSON line and exits 0, a refused operation included
// ({"ok": false, "error": "insufficient_funds"}); a non-zero exit means an unhandled error. The
// database is $DATABASE_URL; its tables are in schema.sql (the grader creates them itself).
//
// The stages, in order (`learnpath grade` shows each one's instructions):
//   1. transfer            balance and transfer, all or nothing
//   2. lost-updates        50 transfers at once: no money created or lost
//   3. deadlocks           A -> B and B -> A at once: no deadlock error
//   4. write-skew          two doctors leaving at once: one stays on call
//   5. isolation-declared  declare each command's isolation level and why, retry 40001
//
// Stage 5 asks for two comments like these, with the level you chose and your reason:
// isolation transfer: <level> - because <your reason>
// isolation leave: <level> - because <your reason>

'use strict';

const { Client, types } = require('pg');

// bigint (cents, ids) arrives as text by default; these values stay far below 2^53.
types.setTypeParser(20, (text) => Number(text));

const USAGE = 'usage: node bank.js balance ACCOUNT | transfer FROM TO AMOUNT | leave DOCTOR';

// eslint-disable-next-line no-unused-vars
async function balance(client, account) {
  // TODO (transfer): {"ok": true, "account": ..., "balance": <cents>} or unknown_account.
  return { ok: false, error: 'not implemented' };
}

// eslint-disable-next-line no-unused-vars
async function transfer(client, source, target, amountText) {
  // TODO (transfer): move the money in ONE transaction (BEGIN ... COMMIT, ROLLBACK on error);
  // refuse with invalid_amount, same_account, unknown_account or insufficient_funds.
  return { ok: false, error: 'not implemented' };
}

// eslint-disable-next-line no-unused-vars
async function leave(client, doctor) {
  // TODO (write-skew): take the doctor off call unless nobody else of the shift would stay on
  // call (last_on_call); not_on_call, unknown_doctor.
  return { ok: false, error: 'not implemented' };
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
  // One connection, one session: every statement on it commits on its own unless you BEGIN.
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

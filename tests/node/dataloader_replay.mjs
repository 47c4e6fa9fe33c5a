// Replays the N+1 model's DataLoader cases with the real DataLoader, for
// the conformance test tests/it/nplus1_dataloader.rs.
//
//   node tests/node/dataloader_replay.mjs cases.json
//
// cases.json: an array of cases, each
//   { "orders": [orders of user 1, 2, ...], "items": [items of order 1, ...],
//     "depth": 1 (users and their orders) | 2 (each order's items too),
//     "batch": maxBatchSize or null (no limit),
//     "io": "memory" | "real" }
//
// Ids are given in list order from 1, as the model numbers them. The code
// under test is a GraphQL-style walk: every user's orders through one
// loader, every order's items through another, each resolver awaiting its
// load. The case's tables are loaded into SQLite (sql.js, SQLite compiled
// to WebAssembly, pinned); a batch function runs its statement there (the
// model's DataLoader SQL, keys bound) and then, for "real", awaits a turn
// of the event loop (setImmediate) before it answers, as a driver's round
// trip would; for "memory" it answers at once. What is checked is
// DataLoader's batching (how many statements, in which order, with which
// keys) and the rows SQLite returns for each.
//
// Prints { dataloader, results: [ per case { statements: [ { sql, params,
//   table, keys, rows } ] } ] }.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import DataLoader from 'dataloader';

const require = createRequire(import.meta.url);
const version = require('dataloader/package.json').version;
const SQL = await require('sql.js')();

/** A fresh SQLite database holding the case's users, orders and items. */
function database(c) {
  const db = new SQL.Database();
  db.run(`CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
    CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), total_cents INTEGER);
    CREATE TABLE items (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id), sku TEXT, qty INTEGER);`);
  db.run('BEGIN');
  let order = 0;
  let item = 0;
  c.orders.forEach((n, u) => {
    db.run('INSERT INTO users VALUES (?, ?, ?)', [u + 1, `user ${u + 1}`, `u${u + 1}@example.com`]);
    for (let k = 0; k < n; k++) {
      order += 1;
      db.run('INSERT INTO orders VALUES (?, ?, ?)', [order, u + 1, 100 * order]);
    }
  });
  c.items.forEach((n, o) => {
    for (let k = 0; k < n; k++) {
      item += 1;
      db.run('INSERT INTO items VALUES (?, ?, ?, ?)', [item, o + 1, `sku-${item}`, 1 + (item % 3)]);
    }
  });
  db.run('COMMIT');
  return db;
}

/** The rows of `sql` with `params` bound, as objects. */
function query(db, sql, params) {
  const stmt = db.prepare(sql);
  stmt.bind(params);
  const rows = [];
  while (stmt.step()) rows.push(stmt.getAsObject());
  stmt.free();
  return rows;
}

async function replay(c) {
  const db = database(c);
  const statements = [];
  const send = (table, sql, keys) => {
    const rows = query(db, sql, keys);
    statements.push({ sql, params: keys, table, keys, rows: rows.length });
    return rows;
  };
  const settle = c.io === 'real' ? () => new Promise((r) => setImmediate(r)) : async () => {};
  const list = (keys) => keys.map(() => '?').join(', ');
  const options = c.batch ? { maxBatchSize: c.batch } : {};
  const ordersByUser = new DataLoader(async (ids) => {
    const rows = send(
      'orders',
      `SELECT orders.id, orders.user_id, orders.total_cents FROM orders WHERE orders.user_id IN (${list(ids)}) ORDER BY orders.id`,
      [...ids],
    );
    await settle();
    return ids.map((id) => rows.filter((r) => r.user_id === id));
  }, options);
  const itemsByOrder = new DataLoader(async (ids) => {
    const rows = send(
      'items',
      `SELECT items.id, items.order_id, items.sku, items.qty FROM items WHERE items.order_id IN (${list(ids)}) ORDER BY items.id`,
      [...ids],
    );
    await settle();
    return ids.map((id) => rows.filter((r) => r.order_id === id));
  }, options);
  const users = send('users', 'SELECT users.id, users.name, users.email FROM users', []);
  await Promise.all(
    users.map(async (u) => {
      const orders = await ordersByUser.load(u.id);
      if (c.depth === 2) await Promise.all(orders.map((o) => itemsByOrder.load(o.id)));
    }),
  );
  db.close();
  return { statements };
}

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for (const c of cases) results.push(await replay(c));
process.stdout.write(JSON.stringify({ dataloader: version, results }));

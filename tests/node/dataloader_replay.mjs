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
// load. A batch function writes its statement (the model's DataLoader SQL,
// keys bound), reads the rows from the case's tables, and then, for "real",
// awaits a turn of the event loop (setImmediate) before it answers, as a
// driver's round trip would; for "memory" it answers at once. There is no
// SQLite driver among the pinned packages, so the rows come from the
// tables in memory: what is checked is DataLoader's batching (how many
// statements, in which order, with which keys) and the rows each returns.
//
// Prints { dataloader, results: [ per case { statements: [ { sql, params,
//   table, keys, rows } ] } ] }.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import DataLoader from 'dataloader';

const require = createRequire(import.meta.url);
const version = require('dataloader/package.json').version;

function tables(c) {
  const users = c.orders.map((_, i) => ({ id: i + 1 }));
  const orders = [];
  c.orders.forEach((n, u) => {
    for (let k = 0; k < n; k++) orders.push({ id: orders.length + 1, user_id: u + 1 });
  });
  const items = [];
  c.items.forEach((n, o) => {
    for (let k = 0; k < n; k++) items.push({ id: items.length + 1, order_id: o + 1 });
  });
  return { users, orders, items };
}

async function replay(c) {
  const t = tables(c);
  const statements = [];
  const send = (table, sql, keys, rows) => {
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
      t.orders.filter((o) => ids.includes(o.user_id)),
    );
    await settle();
    return ids.map((id) => rows.filter((r) => r.user_id === id));
  }, options);
  const itemsByOrder = new DataLoader(async (ids) => {
    const rows = send(
      'items',
      `SELECT items.id, items.order_id, items.sku, items.qty FROM items WHERE items.order_id IN (${list(ids)}) ORDER BY items.id`,
      [...ids],
      t.items.filter((i) => ids.includes(i.order_id)),
    );
    await settle();
    return ids.map((id) => rows.filter((r) => r.order_id === id));
  }, options);
  const users = send('users', 'SELECT users.id, users.name, users.email FROM users', [], t.users);
  await Promise.all(
    users.map(async (u) => {
      const orders = await ordersByUser.load(u.id);
      if (c.depth === 2) await Promise.all(orders.map((o) => itemsByOrder.load(o.id)));
    }),
  );
  return { statements };
}

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for (const c of cases) results.push(await replay(c));
process.stdout.write(JSON.stringify({ dataloader: version, results }));

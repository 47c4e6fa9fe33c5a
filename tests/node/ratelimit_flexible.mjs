// Replays request traces against the real rate-limiter-flexible on a virtual
// clock, for the rate-limiter model's conformance test
// (tests/it/ratelimit_flexible.rs).
//
//   node tests/node/ratelimit_flexible.mjs cases.json
//
// cases.json: an array of cases, each { "limit", "window" (ms),
// "requests": [[at (ms), client], ...] } in time order.
// Prints { flexible: version, cases: [ [true | false per request] ] }: whether
// RateLimiterMemory's consume(client) resolved (let through) or rejected.
//
// rate-limiter-flexible's fixed window is the same over Redis (a Lua script:
// SET NX with EX, INCRBY, PTTL) and in memory (a record with expiresAt): a
// window starts at a key's first hit and ends `duration` seconds later. Over
// Redis that end is Redis's own clock, which no client can make virtual; the
// memory limiter reads Date.now(), which this replay replaces. The unit is
// free: one virtual ms is one "second" (Date.now() returns the virtual ms
// times 1,000 and `duration` is the window in "seconds"), so every number is
// whole. The records' deletion timers (setTimeout of `duration` seconds,
// unref'd) are far longer than the replay.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { RateLimiterMemory } = require('rate-limiter-flexible');
const { version } = require('rate-limiter-flexible/package.json');

let now = 0;
Date.now = () => now * 1000;

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = [];
for (const c of cases) {
  const limiter = new RateLimiterMemory({ points: c.limit, duration: c.window });
  const decisions = [];
  for (const [at, client] of c.requests) {
    now = at;
    try {
      await limiter.consume(String(client), 1);
      decisions.push(true);
    } catch (e) {
      if (e instanceof Error) throw e;
      decisions.push(false);
    }
  }
  out.push(decisions);
}
process.stdout.write(JSON.stringify({ flexible: version, cases: out }));

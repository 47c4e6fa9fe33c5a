// Asks the real exponential-backoff for its retry delays, for the retry
// model's conformance test (tests/it/retry_libraries.rs).
//
//   node tests/node/retry_delays.mjs cases.json
//
// cases.json: an array of cases, each
//   { "startingDelay", "maxDelay", "timeMultiple", "jitter": "none" | "full",
//     "delayFirstAttempt": bool, "retries": n,
//     "draws": [ the 64 bits of each double in [0, 1), in decimal ] }
//
// Prints { "exponentialBackoff": version, "results": [ per case {
//   "delays": [ bits of each delay, in decimal ], "taken": draws used } ] }.
//
// backOff runs a request that always fails, with numOfAttempts = retries +
// 1. Nothing waits: setTimeout is replaced, while a case runs, by one that
// records the delay it is given and resolves on the next turn. The draws
// are injected by replacing Math.random with one that hands them out in
// order (the library's full jitter is `Math.round(Math.random() * delay)`).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { backOff } = require("exponential-backoff");
const { version } = require("exponential-backoff/package.json");

const view = new DataView(new ArrayBuffer(8));

function toFloat(bits) {
  view.setBigUint64(0, BigInt(bits));
  return view.getFloat64(0);
}

function toBits(x) {
  view.setFloat64(0, x);
  return view.getBigUint64(0).toString();
}

async function delays(c) {
  const draws = c.draws.map(toFloat);
  let taken = 0;
  const slept = [];
  const realTimeout = globalThis.setTimeout;
  const realRandom = Math.random;
  globalThis.setTimeout = (fn, ms) => {
    slept.push(ms);
    return setImmediate(fn);
  };
  Math.random = () => {
    if (taken >= draws.length) {
      throw new Error("exponential-backoff asked for more draws than were given");
    }
    return draws[taken++];
  };
  try {
    await backOff(
      async () => {
        throw new Error("the resource failed");
      },
      {
        startingDelay: c.startingDelay,
        maxDelay: c.maxDelay,
        timeMultiple: c.timeMultiple,
        jitter: c.jitter,
        delayFirstAttempt: c.delayFirstAttempt,
        numOfAttempts: c.retries + 1,
      },
    );
  } catch (e) {
    if (e.message !== "the resource failed") throw e;
  } finally {
    globalThis.setTimeout = realTimeout;
    Math.random = realRandom;
  }
  return { delays: slept.map(toBits), taken };
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
const results = [];
for (const c of cases) {
  results.push(await delays(c));
}
process.stdout.write(JSON.stringify({ exponentialBackoff: version, results }));

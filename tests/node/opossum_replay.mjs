// Replays call scripts against the real opossum on a fake clock, for the
// conformance test of the breaker model's opossum policy
// (tests/it/breaker_opossum.rs).
//
//   node tests/node/opossum_replay.mjs cases.json
//
// cases.json: an array of cases, each
//   {
//     "options": { timeout, resetTimeout, errorThresholdPercentage,
//                  volumeThreshold, rollingCountTimeout, rollingCountBuckets,
//                  allowWarmUp },
//     "filter": true when client errors are filtered (errorFilter),
//     "events": [ { "t": ms, "fire": { "ms": duration, "kind": "ok" | "fail" | "client" } }
//               | { "t": ms, "probe": true } ],   in time order
//     "end": ms, after every event, when the final figures are read
//   }
//
// Prints { opossum, fakeTimers, results: [ per case {
//   calls: [ { got: "ok" | "fail" | "client" | "EOPENBREAKER" | "ETIMEDOUT",
//              ran: bool, settled: ms } ],
//   transitions: [ [ms, "open" | "halfOpen" | "close"] ],
//   probes: [ [fires, failures] ] (the window, one per probe),
//   window: { fires, failures, successes, rejects, timeouts } at "end",
//   totals: the same, over the whole run, counted from the events } ] }.
//
// Each case installs fake timers (setTimeout, setInterval, their clears and
// Date) at time 0 before the breaker is built, so its bucket interval and
// warm-up timer start at 0, as in the model. Time moves with tickAsync, which
// lets promise callbacks run after each timer. Every call is its own promise,
// so calls overlap; an action settles after setTimeout(ms), or at once for 0.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import FakeTimers from '@sinonjs/fake-timers';
import CircuitBreaker from 'opossum';

const require = createRequire(import.meta.url);
const version = name => require(`${name}/package.json`).version;

const COUNTS = ['fires', 'failures', 'successes', 'rejects', 'timeouts'];

function pick (stats) {
  return Object.fromEntries(COUNTS.map(k => [k, stats[k]]));
}

function downstreamError (kind) {
  const error = new Error(kind === 'client' ? 'client error' : 'downstream error');
  error.code = kind === 'client' ? 'CLIENT' : 'DOWNSTREAM';
  return error;
}

function whatTheCallerGot (error) {
  switch (error && error.code) {
    case 'EOPENBREAKER': return 'EOPENBREAKER';
    case 'ETIMEDOUT': return 'ETIMEDOUT';
    case 'CLIENT': return 'client';
    case 'DOWNSTREAM': return 'fail';
    default: return `unexpected: ${error && (error.code || error.message)}`;
  }
}

async function replay (c) {
  const clock = FakeTimers.install({
    now: 0,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']
  });
  try {
    const calls = [];
    const action = (i, ms, kind) => {
      calls[i].ran = true;
      const settle = (resolve, reject) =>
        kind === 'ok' ? resolve('ok') : reject(downstreamError(kind));
      if (ms === 0) {
        return new Promise(settle);
      }
      return new Promise((resolve, reject) =>
        setTimeout(() => settle(resolve, reject), ms));
    };
    const options = { ...c.options };
    if (c.filter) {
      options.errorFilter = error => error.code === 'CLIENT';
    }
    const breaker = new CircuitBreaker(action, options);
    const transitions = [];
    for (const name of ['open', 'halfOpen', 'close']) {
      breaker.on(name, () => transitions.push([Date.now(), name]));
    }
    const totals = Object.fromEntries(COUNTS.map(k => [k, 0]));
    const events = {
      fire: 'fires',
      failure: 'failures',
      success: 'successes',
      reject: 'rejects',
      timeout: 'timeouts'
    };
    for (const [event, key] of Object.entries(events)) {
      breaker.on(event, () => { totals[key] += 1; });
    }
    const probes = [];
    for (const e of c.events) {
      // tickAsync(0) too: it lets the promise callbacks of calls that
      // settled at once run before the next event at the same instant.
      await clock.tickAsync(e.t - clock.now);
      if (e.fire) {
        const i = calls.length;
        calls.push({ got: null, ran: false, settled: null });
        breaker.fire(i, e.fire.ms, e.fire.kind).then(
          () => { calls[i].got = 'ok'; calls[i].settled = Date.now(); },
          error => {
            calls[i].got = whatTheCallerGot(error);
            calls[i].settled = Date.now();
          });
      } else if (e.probe) {
        const s = breaker.stats;
        probes.push([s.fires, s.failures]);
      }
    }
    await clock.tickAsync(c.end - clock.now);
    const window = pick(breaker.stats);
    // Far enough for every timer to go off: the calls' own, the reset
    // timer; transitions after "end" would be differences.
    const longest = Math.max(0, ...c.events.map(e => (e.fire ? e.fire.ms : 0)));
    await clock.tickAsync(longest + c.options.timeout + c.options.resetTimeout + 1);
    breaker.shutdown();
    return { calls, transitions, probes, window, totals };
  } finally {
    clock.uninstall();
  }
}

const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
for (const c of cases) {
  results.push(await replay(c));
}
process.stdout.write(JSON.stringify({
  opossum: version('opossum'),
  fakeTimers: version('@sinonjs/fake-timers'),
  results
}));

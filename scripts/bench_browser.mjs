// Browser benchmark of the N+1, circuit-breaker, cache-aside, isolation, retries and rate-limiter views, in headless
// Chromium: the time from a step key press to the updated frame, and from a
// parameter change to the updated frame. Prints figures; asserts nothing.
//
// Usage: node scripts/bench_browser.mjs http://127.0.0.1:PORT/sub/path/
import { chromium } from "@playwright/test";

const base = process.argv[2];
if (!base) {
  console.error("usage: node scripts/bench_browser.mjs BASE_URL");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic"],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `median ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms, max ${s[s.length - 1].toFixed(2)} ms (n = ${s.length})`;
}

// Inside the page: press a key (or run an action), then time until the
// caption changes (the DOM is updated), and until style and layout of that
// DOM are done (forced by reading a layout property): the work a frame needs
// before painting.
async function measure(action, count) {
  return page.evaluate(async ({ action, count }) => {
    const caption = document.querySelector(".player .caption");
    const dom = [];
    const frame = [];
    for (let i = 0; i < count; i++) {
      const before = caption.textContent;
      const changed = new Promise((resolve) => {
        const mo = new MutationObserver(() => {
          if (caption.textContent !== before) {
            mo.disconnect();
            const t1 = performance.now();
            void document.body.offsetHeight;
            resolve([t1, performance.now()]);
          }
        });
        mo.observe(caption, { childList: true, characterData: true, subtree: true });
      });
      const t0 = performance.now();
      if (action === "step") {
        document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
      } else if (action === "back") {
        document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", bubbles: true }));
      } else if (action === "lease") {
        const select = document.querySelector("#ca-lease");
        select.value = i % 2 === 0 ? "on" : "off";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (action === "iso-level") {
        const select = document.querySelector("#iso-level");
        select.value = i % 2 === 0 ? "repeatable-read" : "read-committed";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (action === "rt-policy") {
        const select = document.querySelector("#rt-policy");
        select.value = i % 2 === 0 ? "fixed" : "immediate";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (action === "rl-pattern") {
        const select = document.querySelector("#rl-pattern");
        select.value = i % 2 === 0 ? "random" : "abuser";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else if (action === "policy") {
        const select = document.querySelector("#bk-policy");
        select.value = i % 2 === 0 ? "time" : "count";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      } else {
        const select = document.querySelector("#np-strategy");
        select.value = i % 2 === 0 ? "selectin" : "lazy";
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      const [t1, t2] = await changed;
      await new Promise((r) => requestAnimationFrame(() => r()));
      dom.push(t1 - t0);
      frame.push(t2 - t0);
    }
    return { dom, frame };
  }, { action, count });
}

const query = (n, depth) =>
  `topics/n-plus-one/?strategy=lazy&n=${n}&orders=3&load=${depth}&items=2&spread=fixed&seed=1&latency=same-zone&row_us=2&step=0`;

for (const [n, depth] of [[1000, "orders"], [1000, "orders.items"], [10000, "orders.items"]]) {
  await page.goto(base + query(n, depth));
  await page.waitForSelector("html[data-ready]");
  await page.waitForSelector(".np");
  // Warm up.
  await measure("step", 20);
  const step = await measure("step", 200);
  const back = await measure("back", 100);
  console.log(`N = ${n}, load=${depth}, lazy:`);
  console.log(`  step key -> DOM updated:       ${stats(step.dom)}`);
  console.log(`  step key -> style and layout:  ${stats(step.frame)}`);
  console.log(`  step back key -> DOM updated:  ${stats(back.dom)}`);
  const change = await measure("strategy", 20);
  console.log(`  strategy change -> DOM updated (model re-run): ${stats(change.dom)}`);
  console.log(`  strategy change -> style and layout:            ${stats(change.frame)}`);
}

// The circuit breaker at its largest: ten minutes at 100 calls per second
// (the page's limit), two policies side by side, stepped from the middle of
// the run: resilience4j's count window, and opossum, each beside pybreaker,
// whose lock leaves thousands of calls waiting.
const tenMinutes = Array.from({ length: 4 }, () => "healthy:50,degraded30:20,down:40,recovering:20,slow:20").join(",");
for (const [rate, pol] of [[100, "policy=count&compare=consecutive"], [100, "policy=opossum&compare=consecutive"]]) {
  await page.goto(base + `topics/circuit-breaker/?mode=traffic&${pol}&window=100&min_calls=20&health=${tenMinutes}&rate=${rate}&tick_ms=1000&step=280`);
  await page.waitForSelector("html[data-ready]");
  await page.waitForSelector(".bk-lane");
  await measure("step", 20);
  const step = await measure("step", 200);
  const back = await measure("back", 100);
  console.log(`circuit breaker, 600 s at ${rate} calls/s, ${pol}:`);
  console.log(`  step key -> DOM updated:       ${stats(step.dom)}`);
  console.log(`  step key -> style and layout:  ${stats(step.frame)}`);
  console.log(`  step back key -> DOM updated:  ${stats(back.dom)}`);
  const change = await measure("policy", 20);
  console.log(`  policy change -> DOM updated (model re-run): ${stats(change.dom)}`);
  console.log(`  policy change -> style and layout:            ${stats(change.frame)}`);
}

// Cache-aside: a long script (three instances, 200 schedule entries).
{
  const entries = Array.from({ length: 200 }, (_, i) => ["a", "b", "c", "a", "b", "c", "5s"][i % 7]).join(",");
  await page.goto(base + `topics/caching/?policy=update-delete&lease=off&jitter=10&xfetch=10&ttl_ms=8000&db_ms=100&warm=on&seed=1&a=${Array(20).fill("read").join(",")}&b=${Array(20).fill("write").join(",")}&c=${Array(20).fill("read").join(",")}&schedule=${entries}&step=10`);
  await page.waitForSelector("html[data-ready]");
  await page.waitForSelector(".ca-seq");
  await measure("step", 20);
  const step = await measure("step", 100);
  const back = await measure("back", 100);
  console.log("cache-aside, a 200-entry schedule of three instances:");
  console.log(`  step key -> DOM updated:       ${stats(step.dom)}`);
  console.log(`  step key -> style and layout:  ${stats(step.frame)}`);
  console.log(`  step back key -> DOM updated:  ${stats(back.dom)}`);
  const change = await measure("lease", 20);
  console.log(`  lease switch -> DOM updated (model re-run): ${stats(change.dom)}`);
  console.log(`  lease switch -> style and layout:            ${stats(change.frame)}`);
}

// The isolation lab at its largest: four sessions of fifteen statements
// (the most a link of 4,000 characters holds), every step drawn with the
// sessions, the data, the verdict and the comparison of levels.
{
  const session = (id) => Array.from({ length: 15 }, (_, i) =>
    ["select * from test", `update test set value = value + 1 where id = ${id}`, "commit"][i % 3]).join(";");
  const schedule = Array.from({ length: 60 }, (_, i) => (i % 4) + 1).join(",");
  await page.goto(base + `topics/acid/?profile=postgres&level=read-committed&s1=${encodeURIComponent(session(1))}&s2=${encodeURIComponent(session(2))}&s3=${encodeURIComponent(session(1))}&s4=${encodeURIComponent(session(2))}&schedule=${schedule}&step=0`);
  await page.waitForSelector("html[data-ready]");
  await page.waitForSelector(".iso-col");
  await measure("step", 20);
  // From step 20 to 50 and back: the run has 60 steps.
  const step = await measure("step", 30);
  const back = await measure("back", 30);
  console.log("isolation lab, four sessions of 15 statements (60 steps):");
  console.log(`  step key -> DOM updated:       ${stats(step.dom)}`);
  console.log(`  step key -> style and layout:  ${stats(step.frame)}`);
  console.log(`  step back key -> DOM updated:  ${stats(back.dom)}`);
  const change = await measure("iso-level", 20);
  console.log(`  level change -> DOM updated (model re-run): ${stats(change.dom)}`);
  console.log(`  level change -> style and layout:            ${stats(change.frame)}`);
  // The same under InnoDB at serializable and PostgreSQL at serializable:
  // the lock view lists every record, gap and SIREAD lock held.
  for (const [profile, label] of [["innodb", "InnoDB"], ["postgres", "PostgreSQL"]]) {
    await page.goto(base + `topics/acid/?profile=${profile}&level=serializable&s1=${encodeURIComponent(session(1))}&s2=${encodeURIComponent(session(2))}&s3=${encodeURIComponent(session(1))}&s4=${encodeURIComponent(session(2))}&schedule=${schedule}&step=0`);
    await page.waitForSelector("html[data-ready]");
    await page.waitForSelector(".iso-col");
    await measure("step", 20);
    const s = await measure("step", 30);
    console.log(`isolation lab, the same under ${label} at serializable:`);
    console.log(`  step key -> DOM updated:       ${stats(s.dom)}`);
    console.log(`  step key -> style and layout:  ${stats(s.frame)}`);
  }
}

// Retries at their largest: a thousand clients with a hundred units each
// retrying at once on the row (the run stops at its 500,000 attempts, in
// 2,000 steps of 1 ms), and open traffic at 2,000 arrivals a second for a
// minute through an outage (123,000 arrivals, 2,000 steps); each step
// draws the timeline of forty clients out of every attempt sent so far,
// the clients by attempts, the load and the success rate.
for (const [name, q] of [
  ["1,000 clients x 100 units on the row, immediate retries", "policy=immediate&base_ms=5&cap_ms=2000&attempts=0&resource=conflict&traffic=closed&clients=1000&units=100&outage_ms=0&timeout_ms=0&net_ms=10&net_sd_ms=2&budget=off&breaker=off&layers=1&seed=1&tick_ms=1"],
  ["open traffic, 2,000/s for 60 s through a 5 s outage", "policy=fixed&base_ms=10&cap_ms=10&attempts=0&resource=overload&workers=4&service_ms=10&queue=200&traffic=open&rate=2000&seconds=60&outage_ms=5000&retry_after_ms=1000&honour=on&timeout_ms=100&net_ms=10&net_sd_ms=2&budget=on&burst=20&refill=50&breaker=off&layers=1&seed=1&tick_ms=1"],
]) {
  await page.goto(base + `topics/retries-resilience/?${q}&step=1000`);
  await page.waitForSelector("html[data-ready]");
  await page.waitForSelector(".rt-timeline");
  await measure("step", 20);
  const step = await measure("step", 200);
  const back = await measure("back", 100);
  console.log(`retries, ${name}:`);
  console.log(`  step key -> DOM updated:       ${stats(step.dom)}`);
  console.log(`  step key -> style and layout:  ${stats(step.frame)}`);
  console.log(`  step back key -> DOM updated:  ${stats(back.dom)}`);
  const change = await measure("rt-policy", 10);
  console.log(`  policy change -> DOM updated (model re-run): ${stats(change.dom)}`);
  console.log(`  policy change -> style and layout:            ${stats(change.frame)}`);
}

// The rate limiter at its largest: ten minutes at 1,000 requests a second
// (600,000 requests, the page's limit) from 1,000 clients through all eight
// algorithms side by side, stepped from the middle of the run: every lane
// draws its client's requests around the step, its figures and commands,
// and the overview its bins, whatever the run's length.
{
  const algos = "cheat,fixed,log,counter,token,meter,queue,gcra";
  await page.goto(base + `topics/api-security/?mode=traffic&algos=${algos}&limit=100&window_ms=1000&rate=100&burst=100&pattern=abuser&clients=1000&rps=1000&abuse=10&instances=4&seconds=600&seed=1&step=300000`);
  await page.waitForSelector("html[data-ready]");
  await page.waitForSelector(".rl-lane");
  await measure("step", 20);
  const step = await measure("step", 200);
  const back = await measure("back", 100);
  console.log("rate limiter, 600 s at 1,000 requests/s, 8 algorithms (600,000 requests):");
  console.log(`  step key -> DOM updated:       ${stats(step.dom)}`);
  console.log(`  step key -> style and layout:  ${stats(step.frame)}`);
  console.log(`  step back key -> DOM updated:  ${stats(back.dom)}`);
  const change = await measure("rl-pattern", 6);
  console.log(`  traffic change -> DOM updated (model re-run): ${stats(change.dom)}`);
  console.log(`  traffic change -> style and layout:            ${stats(change.frame)}`);
}

const nav = await page.evaluate(() => {
  const e = performance.getEntriesByType("navigation")[0];
  return e ? e.domContentLoadedEventEnd : 0;
});
console.log(`last page's DOMContentLoaded: ${nav.toFixed(0)} ms`);
await browser.close();

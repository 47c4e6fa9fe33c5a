// Browser benchmark of the worst links: opens each in headless Chromium and
// prints the time until the model's player shows its step count, and the
// longest main-thread task while the page opened (what a reader feels as a
// freeze). The links are the worst ones `cargo bench --bench worst` found
// (artifacts/worst-links.txt), and two patterns written by hand (the lab's
// in tests/browser/links.cjs, shared with its browser test). Prints
// figures; asserts nothing.
//
// Usage: node scripts/bench_links.mjs http://127.0.0.1:PORT/sub/path/
import { readFileSync } from "node:fs";
import { chromium } from "@playwright/test";
import { autocommitPattern } from "../tests/browser/links.cjs";

const base = process.argv[2];
if (!base) {
  console.error("usage: node scripts/bench_links.mjs BASE_URL");
  process.exit(2);
}

// The page of each model, by the name the worst-link bench prints.
const pages = {
  "n-plus-one": "n-plus-one",
  "circuit-breaker": "circuit-breaker",
  "cache-aside": "caching",
  isolation: "acid",
  "rate-limiter": "api-security",
  retries: "retries-resilience",
  nplus1: "n-plus-one",
  breaker: "circuit-breaker",
  cache: "caching",
  lab: "acid",
  ratelimit: "api-security",
  retry: "retries-resilience",
};

const links = [
  ["isolation", "autocommit pattern, 2 sessions", autocommitPattern(2, 30, 10)],
  ["n-plus-one", "largest N+1", "strategy=lazy&n=10000&orders=20&items=20&load=orders.items"],
  [
    "circuit-breaker",
    "most calls, two lanes, every call timing out",
    "mode=traffic&policy=count&compare=time&window=1000&window_s=600&min_calls=1&half_open=100&wait_ms=1" +
      "&latency_ms=119998&slow_latency_ms=120000&timeout_ms=1&health=degraded50:600&rate=100&tick_ms=100",
  ],
];
try {
  const text = readFileSync("artifacts/worst-links.txt", "utf8");
  for (const block of text.split("\n\n")) {
    const [model, query] = block.split("\n");
    if (model && query && pages[model]) links.push([model, "worst found", query.replace(/^\?/, "")]);
  }
} catch {
  console.log("(no artifacts/worst-links.txt: run cargo bench --bench worst first)");
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic"],
});

for (const [model, what, query] of links) {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript(() => {
    window.__longest = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longest = Math.max(window.__longest, e.duration);
    }).observe({ type: "longtask", buffered: true });
  });
  const started = Date.now();
  await page.goto(`${base}topics/${pages[model]}/?${query}`);
  await page.locator(".player").first().waitFor({ state: "visible", timeout: 60_000 });
  await page.waitForFunction(() => /\d+ \/ \d+/.test(document.querySelector(".player")?.textContent ?? ""), null, {
    timeout: 60_000,
  });
  const shown = Date.now() - started;
  await page.waitForTimeout(1_500);
  const longest = await page.evaluate(() => window.__longest);
  console.log(
    `${model}, ${what} (${query.length} characters): player in ${shown} ms, longest task ${longest.toFixed(0)} ms`,
  );
  await page.close();
}
await browser.close();

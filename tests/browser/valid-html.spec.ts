import { test, expect } from "@playwright/test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ready } from "./helpers";

// The Nu HTML Checker (npm vnu-jar, run with Java) over every pre-rendered
// page of the build and over the DOM of each live page mid-run, as the app
// leaves it after being used.

const root = path.join(__dirname, "..", "..");
const dist = path.join(root, "dist");
const vnu = path.join(root, "node_modules", "vnu-jar", "build", "dist", "vnu.jar");

/** Every index.html under `dir`. */
function pages(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    // Trunk's staging folder, while a build runs, is not part of the site.
    if (e.name.startsWith(".")) return [];
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return pages(p);
    return e.name === "index.html" ? [p] : [];
  });
}

/** Runs the checker over `files`; returns its errors as readable lines. */
function check(files: string[]): string[] {
  // With --format json the checker writes its report to standard error.
  const run = spawnSync(
    "java",
    ["-jar", vnu, "--format", "json", "--exit-zero-always", ...files],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.error) throw new Error(`the checker did not run: ${run.error.message}`);
  const report = JSON.parse(run.stderr.trim() || "{}") as {
    messages?: { type: string; url?: string; lastLine?: number; message: string }[];
  };
  if (!report.messages) throw new Error(`the checker gave no report: ${run.stderr}`);
  return report.messages
    .filter((m) => m.type === "error" || m.type === "non-document-error")
    .map((m) => `${path.relative(root, (m.url ?? "").replace(/^file:/, ""))}:${m.lastLine ?? "?"}: ${m.message}`);
}

test("every pre-rendered page is valid HTML", () => {
  test.setTimeout(120_000);
  const files = pages(dist);
  expect(files.length, "pages in dist/").toBeGreaterThan(40);
  expect(check(files)).toEqual([]);
});

// Each live page, used: mid-run, with its panels open.
const live: [string, string][] = [
  ["n-plus-one", "topics/n-plus-one/?strategy=selectin&n=100&load=orders.items&step=2"],
  ["circuit-breaker", "topics/circuit-breaker/?mode=manual&policy=consecutive&fail_max=3&wait_ms=5000&script=fail,fail,fail,ok,wait5s,ok&step=4"],
  ["caching", "topics/caching/?policy=update-delete&lease=on&schedule=a,a,b,b,a,a&step=4"],
  ["acid", "topics/acid/?profile=postgres&level=repeatable-read&preset=P4&step=4&matrix=on"],
];

test("the DOM of every live page, mid-run, is valid HTML", async ({ page }) => {
  test.setTimeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bp-dom-"));
  const files: string[] = [];
  const save = async (name: string) => {
    const html = await page.evaluate(() => "<!doctype html>\n" + document.documentElement.outerHTML);
    const file = path.join(dir, `${name}.html`);
    fs.writeFileSync(file, html);
    files.push(file);
  };
  for (const [name, url] of live) {
    await page.goto(url);
    await ready(page);
    await expect(page.locator("#viz .viz-placeholder")).toHaveCount(0);
    await page.keyboard.press("ArrowRight");
    await save(name);
  }
  await page.goto("drill/");
  await ready(page);
  await page.keyboard.press("Space");
  await save("drill");
  await page.goto("topics/caching/");
  await ready(page);
  await page.keyboard.press("/");
  await page.locator("#search-input").fill("cache stampede");
  await expect(page.locator("#search-results li").first()).toBeVisible();
  await save("search");
  try {
    expect(check(files)).toEqual([]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import { test, expect, Page } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  topics,
  ready,
  topicUrl,
  topicPath,
  MODELS,
  moduleOf,
  ModuleRequests,
  RECORD_HTML_HINTS,
  servedDir,
  watchErrors,
  markDocument,
  sameDocument,
  expectNoHorizontalScroll,
} from "./helpers";

// The site as pre-rendered pages: each page's HTML reads on its own (and
// without JavaScript), loads only its own module, keeps the links of the
// first scheme working, works offline once visited, breaks none of its
// Content Security Policy, and picks up a new build when asked.

const all = topics();
const textTopic = all.find((t) => !(t.slug in MODELS) && /\n## /.test(t.body))!;

/** A state of each model mid-run, as its page's query. */
const MID_RUN: Record<string, string> = {
  "n-plus-one":
    "strategy=lazy&n=10&orders=2&load=orders&items=2&spread=fixed&seed=1&latency=same-zone&row_us=2&step=4",
  "circuit-breaker":
    "mode=traffic&policy=count&wait_ms=10000&window=20&min_calls=10&failure_rate=50&slow_rate=100&slow_ms=2000&half_open=3&health=healthy:20,down:30,recovering:20,healthy:30&rate=20&seed=1&tick_ms=1000&latency_ms=50&slow_latency_ms=3000&timeout_ms=5000&step=21",
  caching:
    "policy=update-delete&lease=off&jitter=0&xfetch=0&ttl_ms=30000&warm=off&a=read,read&b=write&schedule=a,a,b,b,a,a&clock=script&step=5",
  acid: "profile=postgres&level=repeatable-read&preset=P4&step=5",
  "api-security":
    "mode=race&algos=cheat,fixed&limit=3&window_ms=1000&pattern=pairs&clients=1&rps=6&instances=2&seconds=2&seed=1&step=5",
  "retries-resilience":
    "policy=exponential&base_ms=100&cap_ms=5000&attempts=0&resource=overload&workers=4&service_ms=5&queue=20&traffic=closed&clients=200&units=1&outage_ms=2000&seed=1&tick_ms=50&step=5",
};

/** The step each MID_RUN state shows. */
const stepOf = (slug: string) => MID_RUN[slug].match(/(?:^|&)step=(\d+)/)![1];

const caption = (page: Page) => page.locator(".player .caption");
const stepCount = (page: Page) => page.locator(".step-count");

/**
 * Waits until a model has mounted its live view in the page's panel, at
 * `step` if given.
 */
async function modelShown(page: Page, step?: string | number) {
  await ready(page);
  await expect(page.locator("#viz .viz-placeholder")).toHaveCount(0);
  await expect(caption(page)).not.toBeEmpty();
  if (step !== undefined) await expect(stepCount(page)).toHaveText(new RegExp(`^${step} /`));
}

/** HTML entities of the kinds the build writes, decoded. */
function unescapeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&nbsp;/g, "\u00a0")
    .replace(/&amp;/g, "&");
}

/** The text of an HTML fragment: tags dropped, entities decoded, spaces collapsed. */
function textOf(html: string): string {
  return unescapeHtml(html.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ").trim();
}

/** Straight quotes for curly ones, so that Markdown and its rendering compare. */
const plainQuotes = (s: string) => s.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"');

/** The content of the `<meta>` whose `attr` is `name`, or undefined. */
function meta(html: string, attr: "name" | "property", name: string): string | undefined {
  for (const tag of html.match(/<meta\b[^>]*>/g) ?? []) {
    if (new RegExp(`\\b${attr}="${name}"`).test(tag)) {
      const m = tag.match(/\bcontent="([^"]*)"/);
      return m ? unescapeHtml(m[1]) : undefined;
    }
  }
  return undefined;
}

/**
 * A run of plain words from a topic's Markdown (paragraphs, list items or
 * table cells, not code), which its page must hold.
 */
function sampleText(body: string): string {
  const lines = body.replace(/```[\s\S]*?```/g, "").split("\n");
  let best = "";
  for (const line of lines) {
    if (/^\s*(#|<|!\[|:::|    )/.test(line)) continue;
    const prose = line.replace(/^\s*([-*>]|\d+\.)\s+/, "").replace(/`[^`]*`/g, "|").replace(/\]\([^)]*\)/g, "|");
    for (const run of prose.split(/[^A-Za-z ]+/)) {
      const words = run.trim().split(/\s+/).filter(Boolean);
      if (words.length >= 5 && run.trim().length > best.length) best = run.trim();
    }
    if (best.length > 40) break;
  }
  return best;
}

test("every topic page, fetched as plain HTML, holds its title, text and sharing tags", async ({ request, baseURL }) => {
  for (const t of all) {
    const url = new URL(topicUrl(t.slug), baseURL).href;
    const res = await request.get(url);
    expect(res.status(), `${t.slug}: status`).toBe(200);
    expect(res.headers()["content-type"], `${t.slug}: type`).toMatch(/^text\/html/);
    const html = await res.text();
    const h1 = html.match(/<h1\b[^>]*\bid="page-title"[^>]*>([\s\S]*?)<\/h1>/);
    expect.soft(h1 && textOf(h1[1]), `${t.slug}: <h1>`).toBe(t.title);
    const title = html.match(/<title>([\s\S]*?)<\/title>/);
    expect.soft(title && unescapeHtml(title[1]), `${t.slug}: <title>`).toBe(`${t.title} | Backend Playground`);
    const description = meta(html, "name", "description");
    expect.soft(plainQuotes(description ?? ""), `${t.slug}: meta description`).toBe(plainQuotes(t.summary));
    const canonical = html.match(/<link\b[^>]*\brel="canonical"[^>]*>/)?.[0].match(/\bhref="([^"]*)"/)?.[1];
    expect.soft(canonical, `${t.slug}: canonical link`).toBeDefined();
    expect.soft(new URL(unescapeHtml(canonical ?? "x:"), url).href, `${t.slug}: canonical link`).toBe(url);
    expect.soft(meta(html, "property", "og:title"), `${t.slug}: og:title`).toBe(`${t.title} | Backend Playground`);
    expect.soft(plainQuotes(meta(html, "property", "og:description") ?? ""), `${t.slug}: og:description`).toBe(
      plainQuotes(t.summary),
    );
    expect.soft(meta(html, "name", "twitter:card"), `${t.slug}: twitter:card`).toMatch(/^summary/);
    // Some of its text, with no app needed.
    const text = plainQuotes(textOf(html));
    const sample = sampleText(t.body);
    expect(sample.length, `${t.slug}: no plain sentence found in its Markdown`).toBeGreaterThan(20);
    expect.soft(text, `${t.slug}: text`).toContain(sample);
    // Its navigation marks it as the page shown.
    expect.soft(html, `${t.slug}: aria-current`).toMatch(
      new RegExp(`<a\\b[^>]*aria-current="page"[^>]*href="\\.\\./\\.\\./topics/${t.slug}/"|<a\\b[^>]*href="\\.\\./\\.\\./topics/${t.slug}/"[^>]*aria-current="page"`),
    );
    // A strict Content Security Policy.
    expect.soft(html, `${t.slug}: CSP`).toMatch(/<meta http-equiv="Content-Security-Policy" content="[^"]*default-src 'self'/);
  }
  // The other pages have their titles and descriptions too.
  for (const [url, heading] of [
    ["./", /./],
    ["./sheet/", /^The whole sheet$/],
    ["./drill/", /^Drill$/],
    ["./not-found/", /^Topic not found$/],
  ] as const) {
    const html = await (await request.get(url)).text();
    const h1 = html.match(/<h1\b[^>]*>([\s\S]*?)<\/h1>/);
    expect.soft(h1 && textOf(h1[1]), `${url}: <h1>`).toMatch(heading);
    expect.soft(html, `${url}: <title>`).toMatch(/<title>[^<]*Backend Playground[^<]*<\/title>/);
    expect.soft(meta(html, "name", "description") ?? "", `${url}: meta description`).not.toBe("");
    expect.soft(html, `${url}: CSP`).toMatch(/<meta http-equiv="Content-Security-Policy" content="[^"]*default-src 'self'/);
  }
});

test("a model's panel holds its heading and first caption until the model starts", async ({ request, page }) => {
  for (const slug of Object.keys(MODELS)) {
    const html = await (await request.get(topicUrl(slug))).text();
    const aside = html.match(/<aside\b[^>]*\bid="viz"[^>]*>([\s\S]*?)<\/aside>/);
    expect(aside, `${slug}: <aside id="viz">`).not.toBeNull();
    const placeholder = aside![1];
    expect(placeholder).toContain("viz-placeholder");
    const heading = textOf(placeholder.match(/<h2\b[^>]*id="viz-title"[^>]*>([\s\S]*?)<\/h2>/)?.[1] ?? "");
    const first = textOf(placeholder.match(/<p\b[^>]*class="caption"[^>]*>([\s\S]*?)<\/p>/)?.[1] ?? "");
    expect(heading, `${slug}: placeholder heading`).not.toBe("");
    expect(first, `${slug}: placeholder caption`).not.toBe("");
    // The live view replaces it, with the same heading, and at the first
    // step of the page's default state, the same caption.
    await page.goto(topicUrl(slug));
    await modelShown(page);
    await expect(page.locator("#viz #viz-title"), slug).toHaveText(heading);
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    await page.keyboard.press("Home");
    await expect(stepCount(page), slug).toHaveText(/^0 \//);
    await expect(caption(page), slug).toHaveText(first);
  }
});

test.describe("without JavaScript", () => {
  test("a topic page reads: heading, text, navigation (phone size)", async ({ browser }) => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 375, height: 667 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    for (const t of [all.find((x) => x.slug === "n-plus-one")!, textTopic]) {
      await page.goto(topicUrl(t.slug));
      await expect(page.locator("h1#page-title")).toHaveText(t.title);
      await expect(page.locator("h1#page-title")).toBeVisible();
      await expect(page.locator(".topic-text .prose")).toBeVisible();
      await expect(page.locator(".topic-text .prose")).toContainText(sampleText(t.body).split(" ").slice(0, 4).join(" "));
      await expect(page.locator("html[data-ready]")).toHaveCount(0);
      // Every page is reachable: the topic navigation, breadcrumb and pager.
      const links = page.locator("#topic-nav a");
      await expect(links).toHaveCount(all.length + 3);
      const hidden = await links.evaluateAll((as) =>
        as.filter((a) => !(a as HTMLElement).checkVisibility({ checkVisibilityCSS: true })).map((a) => a.textContent),
      );
      expect.soft(hidden, "navigation links not visible").toEqual([]);
      await expect(page.locator(".breadcrumb a").first()).toBeVisible();
      await expect(page.locator(".pager a").first()).toBeVisible();
      // Buttons that need the app are not offered.
      for (const id of ["#menu-button", "#search-button", "#theme-toggle"]) {
        await expect.soft(page.locator(id), id).toBeHidden();
      }
      await expectNoHorizontalScroll(page);
      if (t.slug in MODELS) {
        // The model's panel says what it is and why it is not live.
        await expect(page.locator("#viz #viz-title")).toBeVisible();
        await expect(page.locator("#viz .viz-placeholder .caption")).toBeVisible();
        await expect.soft(page.locator("#viz .viz-failed")).toBeVisible();
        await expect.soft(page.locator("#viz .viz-loading")).toBeHidden();
      }
      const name = t.slug in MODELS ? "model" : "text";
      await page.screenshot({ path: `artifacts/screenshots/nojs-${name}-phone.png` });
      await page.screenshot({ path: `artifacts/screenshots/nojs-${name}-phone-full.png`, fullPage: true });
      // A link works as a link.
      await page.locator(".pager a").first().click();
      await expect(page.locator("h1#page-title")).not.toHaveText(t.title);
      await expect(page).toHaveURL(/\/some\/dir\/topics\/[a-z0-9-]+\/$/);
    }
    await context.close();
  });
});

test.describe("modules", () => {
  // Module requests come from the pages alone (no offline copy in between).
  test.use({ serviceWorkers: "block" });

  const cases: [string, string, string][] = [
    ["the overview", "./", "shell"],
    ["a text-only topic", topicUrl(textTopic.slug), "shell"],
    ["the sheet", "./sheet/", "shell"],
    ["the not-found page", "./not-found/?topic=nothing", "shell"],
    ["the drill", "./drill/", "drill"],
    ...Object.entries(MODELS).map(([slug, module]): [string, string, string] => [`the ${slug} model`, topicUrl(slug), module]),
  ];

  for (const [name, url, own] of cases) {
    test(`${name} loads its own module (${own}) and no other`, async ({ page }) => {
      await page.addInitScript(RECORD_HTML_HINTS);
      const requests = new ModuleRequests(page);
      await page.goto(url);
      await ready(page);
      await page.waitForTimeout(1000);
      const loaded = await requests.loaded();
      const modules = [...new Set(loaded.map((f) => moduleOf(`http://x/${f}`)))];
      expect(modules, `modules loaded by ${url}: ${loaded.join(", ")}`).toEqual([own]);
      // Its script and its wasm, once each.
      expect(loaded.filter((f) => f.endsWith(".js")), loaded.join(", ")).toHaveLength(1);
      expect(loaded.filter((f) => f.endsWith("_bg.wasm")), loaded.join(", ")).toHaveLength(1);
      // Anything else it fetched was a hint, and never for the shell.
      const others = requests.requests.map((r) => moduleOf(r.url())).filter((m) => m !== own);
      expect(others, "the shell is hinted at").not.toContain("shell");
    });
  }

  test("hovering a link to a model page hints at its module, without loading it", async ({ page }) => {
    await page.addInitScript(RECORD_HTML_HINTS);
    const requests = new ModuleRequests(page);
    await page.goto(topicUrl(textTopic.slug));
    await ready(page);
    await page.locator('#topic-nav a[href$="topics/circuit-breaker/"]').hover();
    await expect
      .poll(() =>
        page.evaluate(() =>
          [...document.querySelectorAll("link[rel=prefetch],link[rel=modulepreload]")].map((l) => l.getAttribute("href")),
        ),
      )
      .toEqual(expect.arrayContaining([expect.stringMatching(/breaker-[0-9a-f]+\.js$/), expect.stringMatching(/breaker-[0-9a-f]+_bg\.wasm$/)]));
    await page.waitForTimeout(500);
    const loaded = await requests.loaded();
    expect(loaded.map((f) => moduleOf(`http://x/${f}`)).filter((m) => m !== "shell"), loaded.join(", ")).toEqual([]);
  });
});

test.describe("links of the first scheme", () => {
  for (const slug of Object.keys(MODELS)) {
    test(`an old link to the ${slug} model mid-run opens its page at the same frame`, async ({ page, context }) => {
      const errors = watchErrors(page);
      const fresh = await context.newPage();
      await fresh.goto(topicUrl(slug, MID_RUN[slug]));
      await modelShown(fresh, stepOf(slug));
      const wanted = (await caption(fresh).textContent()) ?? "";
      const count = (await stepCount(fresh).textContent()) ?? "";
      // Once the URL has followed the state, it is what an old link lands on.
      await fresh.waitForTimeout(500);
      const newUrl = fresh.url();
      expect(newUrl).toMatch(new RegExp(`${topicPath(slug)}\\?`));
      await page.goto(`./?topic=${slug}&${MID_RUN[slug]}`);
      await modelShown(page, stepOf(slug));
      await expect(page).toHaveURL(new RegExp(`${topicPath(slug)}\\?`));
      expect(page.url()).not.toContain("topic=");
      await expect(stepCount(page)).toHaveText(count);
      await expect(caption(page)).toHaveText(wanted);
      await page.waitForTimeout(500);
      expect(page.url()).toBe(newUrl);
      await expect(page.locator(".notice")).toHaveCount(0);
      expect(errors).toEqual([]);
    });
  }

  test("?sheet, ?drill, an unknown topic and a heading open their pages", async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto("./?sheet");
    await ready(page);
    await expect(page).toHaveURL(/\/some\/dir\/sheet\/$/);
    await expect(page.locator("h1#page-title")).toHaveText("The whole sheet");
    await expect(page.locator(".sheet-topic")).toHaveCount(all.length);

    await page.goto("./?drill");
    await ready(page);
    await expect(page).toHaveURL(/\/some\/dir\/drill\/$/);
    await expect(page.locator("h1#page-title")).toHaveText("Drill");
    await expect(page.locator(".drill-question")).toBeVisible();

    await page.goto("./?topic=no-such-topic");
    await ready(page);
    await expect(page).toHaveURL(/\/some\/dir\/not-found\/\?topic=no-such-topic$/);
    await expect(page.locator("h1#page-title")).toHaveText("Topic not found");
    await expect(page.locator(".not-found")).toContainText("no-such-topic");

    // A heading of the ACID page, from its old link.
    const html = await (await page.request.get(topicUrl("acid"))).text();
    const ids = [...html.matchAll(/<h[23] id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(1);
    const heading = ids[ids.length - 1];
    await page.setViewportSize({ width: 1280, height: 600 });
    await page.goto(`./?topic=acid#${heading}`);
    await ready(page);
    await expect(page).toHaveURL(new RegExp(`${topicPath("acid")}#${heading}$`));
    await expect(page.locator(`[id="${heading}"]`)).toBeInViewport();

    // Other parameters go along, and a page names those it does not know.
    await page.goto("./?drill&deck=hard");
    await ready(page);
    await expect(page).toHaveURL(/\/some\/dir\/drill\/\?deck=hard$/);
    await expect(page.locator(".notice")).toContainText("deck=hard");
    await page.goto("./?sheet&x=1#sheet-acid");
    await ready(page);
    await expect(page).toHaveURL(/\/some\/dir\/sheet\/\?x=1#sheet-acid$/);
    await expect(page.locator(".notice")).toContainText("x=1");
    expect(errors).toEqual([]);
  });
});

/** Opens the overview, waits for the service worker, and reloads so that
 * the page is controlled by it: the site is then kept offline. */
async function visitOnce(page: Page) {
  await page.goto("./");
  await ready(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await ready(page);
  expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

test("the site is installable: Chromium finds no installability error", async ({ playwright, baseURL }, info) => {
  // Installability is not judged in a private window: a profile of its own.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bp-profile-"));
  const context = await playwright.chromium.launchPersistentContext(dir, {
    ...info.project.use.launchOptions,
    baseURL,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await visitOnce(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send("Page.getInstallabilityErrors")) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);
    const manifest = (await cdp.send("Page.getAppManifest")) as { errors: unknown[]; url: string };
    expect(manifest.url).toContain("manifest.webmanifest");
    expect(manifest.errors).toEqual([]);
  } finally {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("offline: once visited, every kind of page works without the network", async ({ page, context }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  // Online first: the frames each model shows mid-run.
  const captions: Record<string, string> = {};
  await visitOnce(page);
  for (const slug of Object.keys(MODELS)) {
    await page.goto(topicUrl(slug, MID_RUN[slug]));
    await modelShown(page, stepOf(slug));
    captions[slug] = (await caption(page).textContent()) ?? "";
  }

  await context.setOffline(true);
  try {
    // Really offline, for the worker too: what the offline copy does not
    // hold does not load.
    const probe = await context.newPage();
    await expect(probe.goto("./not-a-page/")).rejects.toThrow();
    await probe.close();
    await page.goto("./");
    await ready(page);
    await expect(page.locator(".home h1")).toBeVisible();
    await expect(page.locator("main .topic-list a")).toHaveCount(all.length);

    await page.goto(topicUrl(textTopic.slug));
    await ready(page);
    await expect(page.locator("h1#page-title")).toHaveText(textTopic.title);
    await expect(page.locator(".topic-text .prose")).toBeVisible();

    for (const slug of Object.keys(MODELS)) {
      await page.goto(topicUrl(slug, MID_RUN[slug]));
      await modelShown(page, stepOf(slug));
      await expect(caption(page), slug).toHaveText(captions[slug]);
      // Stepping works too.
      await page.getByRole("button", { name: "Step back" }).click();
      await expect(stepCount(page)).toHaveText(new RegExp(`^${Number(stepOf(slug)) - 1} /`));
    }
    // An old link as well.
    await page.goto(`./?topic=acid&${MID_RUN.acid}`);
    await modelShown(page, stepOf("acid"));
    await expect(caption(page)).toHaveText(captions.acid);

    await page.goto("./sheet/");
    await ready(page);
    await expect(page.locator("h1#page-title")).toHaveText("The whole sheet");
    await expect(page.locator(".sheet-topic")).toHaveCount(all.length);

    await page.goto("./drill/");
    await ready(page);
    await expect(page.locator(".drill-question")).toBeVisible();
    await page.getByRole("button", { name: "Show the answer" }).click();
    await expect(page.locator(".drill-answer")).toBeVisible();

    await page.goto(topicUrl(textTopic.slug));
    await ready(page);
    await page.keyboard.press("/");
    await expect(page.locator("#search-dialog")).toBeVisible();
    await page.locator("#search-input").fill("selectinload");
    await expect(page.locator("#search-results li").first()).toBeVisible();
    await expect(page.locator(".search-status")).not.toContainText("could not be loaded");
    // A result opens, offline.
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/topics\/n-plus-one\//);
    await modelShown(page);
  } finally {
    await context.setOffline(false);
  }
  expect(errors).toEqual([]);
});

test("no page breaks its Content Security Policy", async ({ page }) => {
  test.setTimeout(120_000);
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      ((window as any).__csp = (window as any).__csp || []).push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const found: string[] = [];
  page.on("console", (msg) => {
    if (/Content Security Policy/i.test(msg.text())) found.push(`console on ${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => {
    if (/Content Security Policy/i.test(err.message)) found.push(`pageerror on ${page.url()}: ${err.message}`);
  });
  // The listener works: an inline script the policy does not allow is reported.
  await page.goto("./");
  await ready(page);
  await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__ran = true";
    document.head.appendChild(s);
  });
  await expect.poll(() => page.evaluate(() => ((window as any).__csp ?? []).length)).toBe(1);
  expect(await page.evaluate(() => (window as any).__ran)).toBeUndefined();
  // ... and so is the console's message about it.
  await expect.poll(() => found.length).toBeGreaterThan(0);
  found.length = 0;

  const collect = async (what: string) => {
    const v: string[] = await page.evaluate(() => (window as any).__csp ?? []);
    for (const x of v) found.push(`${what}: ${x}`);
  };
  const visit = (url: string, then?: () => Promise<void>) =>
    test.step(url, async () => {
      await page.goto(url);
      await ready(page);
      if (then) await then();
      // Idle-time prefetching and the offline copy get their turn.
      await page.waitForTimeout(700);
      await collect(url);
    });

  await visit("./", async () => {
    await page.locator("#theme-toggle").click();
    await page.locator('main .topic-list a[href="topics/caching/"]').hover();
  });
  await visit(topicUrl(textTopic.slug), async () => {
    await page.keyboard.press("/");
    await page.locator("#search-input").fill("circuit breaker");
    await expect(page.locator("#search-results li").first()).toBeVisible();
    await page.keyboard.press("Escape");
  });
  for (const slug of Object.keys(MODELS)) {
    await visit(topicUrl(slug, MID_RUN[slug]), async () => {
      await modelShown(page, stepOf(slug));
      // Stepped by keyboard (a button is disabled at either end).
      await page.locator("body").click({ position: { x: 5, y: 300 } });
      for (const key of ["ArrowRight", "ArrowRight", "ArrowLeft", "End", "Home", "ArrowRight"]) {
        await page.keyboard.press(key);
      }
      await expect(stepCount(page)).toHaveText(/^1 \//);
      await page.waitForTimeout(300);
    });
  }
  await visit(`./?topic=n-plus-one&${MID_RUN["n-plus-one"]}`, () => modelShown(page, stepOf("n-plus-one")));
  await visit("./?sheet");
  await visit("./sheet/");
  await visit("./drill/", async () => {
    await page.getByRole("button", { name: "Show the answer" }).click();
    await page.getByRole("button", { name: "Knew it" }).click();
  });
  await visit("./not-found/?topic=nothing");
  expect(found).toEqual([]);
});

test("a new build is offered with a notice, and Reload switches to it", async ({ page, baseURL }) => {
  const dir = servedDir(baseURL!);
  test.skip(
    !dir,
    "SERVED_DIR is not set: this test changes the served copy's sw.js, so it needs the directory the server serves (the server's root or the site's folder)",
  );
  test.setTimeout(90_000);
  const sw = path.join(dir!, "sw.js");
  const original = fs.readFileSync(sw, "utf8");
  try {
    await visitOnce(page);
    await expect(page.locator(".update-notice")).toHaveCount(0);

    // The next build: a worker that differs.
    fs.writeFileSync(sw, `${original}\n// next ${Date.now()}\n`);
    await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      await reg!.update();
    });
    const notice = page.locator(".update-notice");
    await expect(notice).toBeVisible({ timeout: 30_000 });
    await expect(notice).toContainText("new version");
    await markDocument(page);
    await notice.getByRole("button", { name: "Reload" }).click();
    await expect.poll(() => sameDocument(page).catch(() => false), { timeout: 15_000 }).toBe(false);
    await ready(page);
    await expect(page.locator(".update-notice")).toHaveCount(0);
    // The new worker controls the page, and none is left waiting.
    const state = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.getRegistration();
      return { controlled: !!navigator.serviceWorker.controller, waiting: !!reg?.waiting };
    });
    expect(state).toEqual({ controlled: true, waiting: false });
  } finally {
    fs.writeFileSync(sw, original);
  }
});

import { expect, Page, Request } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";

/** A topic as its content file declares it. */
export interface TopicInfo {
  slug: string;
  title: string;
  section: string;
  /** The one-line summary (the page's meta description). */
  summary: string;
  /** The live model of the topic, if it has one. */
  visualization?: string;
  /** The Markdown text after the front matter. */
  body: string;
}

/** Reads the topics from content/, the same files the build renders. */
export function topics(): TopicInfo[] {
  const dir = path.join(__dirname, "..", "..", "content");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => {
      const text = fs.readFileSync(path.join(dir, f), "utf8");
      const [, front = "", body = ""] = text.match(/^---\n([\s\S]*?)\n---\n([\s\S]*)$/) ?? [];
      const optional = (k: string) => front.match(new RegExp(`^${k}:\\s*(.*)$`, "m"))?.[1].trim();
      const field = (k: string) => {
        const v = optional(k);
        if (v === undefined) throw new Error(`${f}: no ${k}`);
        return v;
      };
      return {
        slug: field("slug"),
        title: field("title"),
        section: field("section"),
        summary: field("summary"),
        visualization: optional("visualization"),
        body,
      };
    });
}

/** The topics with a live model, and the module each page loads. */
export const MODELS: Record<string, string> = {
  "n-plus-one": "nplus1",
  "circuit-breaker": "breaker",
  caching: "cache",
  acid: "isolation",
  "api-security": "ratelimit",
  "retries-resilience": "retry",
};

/** Every module a page can load, by the prefix of its hashed file names. */
export const MODULES = [
  "shell",
  "drill",
  "nplus1",
  "breaker",
  "cache",
  "isolation",
  "ratelimit",
  "retry",
];

/**
 * The URL of a topic page, relative to the site's root (the base URL), with
 * the page's own query (the model's parameters) if any.
 */
export function topicUrl(slug: string, query = ""): string {
  const q = query.replace(/^[?&]/, "");
  return `./topics/${slug}/${q ? `?${q}` : ""}`;
}

/** The path of a topic page under the base URL, as a RegExp-safe string. */
export function topicPath(slug: string): string {
  return `/some/dir/topics/${slug}/`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A link of the topic navigation to the topic `slug` (hrefs are relative to the page). */
export function navLink(page: Page, slug: string) {
  return page.locator(`#topic-nav a[href$="topics/${slug}/"]`);
}

/** Collects console errors and page errors while a test runs. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/** Waits until the app has started on the pre-rendered page. */
export async function ready(page: Page) {
  await expect(page.locator("html[data-ready]")).toHaveCount(1);
  await expect(page.locator("#page-title")).toBeVisible();
}

/** Asserts the page does not scroll sideways. */
export async function expectNoHorizontalScroll(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, "page is wider than the viewport").toBeLessThanOrEqual(client);
}

/** Marks the current document, to tell later whether it was replaced (a page load). */
export async function markDocument(page: Page) {
  await page.evaluate(() => ((window as any).__sameDocument = true));
}

/** Whether the document marked by [`markDocument`] is still the one shown. */
export async function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as any).__sameDocument === true);
}

/** The module (one of [`MODULES`]) a script or wasm URL belongs to, if any. */
export function moduleOf(url: string): string | undefined {
  const file = new URL(url).pathname.split("/").pop() ?? "";
  const m = file.match(/^([a-z0-9]+)-[0-9a-f]{8,}(?:_bg)?\.(js|wasm)$/);
  return m && MODULES.includes(m[1]) ? m[1] : undefined;
}

/**
 * Records the module files (script and wasm) a page requests, to tell the
 * modules the page loads from prefetch hints. Install [`RECORD_HTML_HINTS`]
 * as an init script first, then call [`ModuleRequests.loaded`] once the
 * page is ready.
 */
export class ModuleRequests {
  readonly requests: Request[] = [];
  constructor(private page: Page) {
    page.on("request", (r) => {
      if (r.frame() === page.mainFrame() && moduleOf(r.url())) this.requests.push(r);
    });
  }

  /**
   * The file names of the module files requested so far, leaving out the
   * prefetch hints: files named by a `<link rel=prefetch>`, or by a
   * `<link rel=modulepreload>` the app inserted (one the page's HTML did
   * not hold), and requests sent with `Sec-Purpose: prefetch`.
   */
  async loaded(): Promise<string[]> {
    const hinted = new Set(
      await this.page.evaluate(() => {
        const fromHtml = new Set(((window as any).__htmlHints ?? []) as string[]);
        return [...document.querySelectorAll("link[rel=prefetch],link[rel=modulepreload]")]
          .filter((l) => l.getAttribute("rel") === "prefetch" || !fromHtml.has((l as HTMLLinkElement).href))
          .map((l) => (l as HTMLLinkElement).href);
      }),
    );
    return this.requests
      .filter((r) => {
        const purpose = r.headers()["sec-purpose"] ?? r.headers()["purpose"] ?? "";
        return !hinted.has(r.url()) && !/prefetch/.test(purpose);
      })
      .map((r) => new URL(r.url()).pathname.split("/").pop()!);
  }
}

/**
 * An init script that records the hint links the page's own HTML holds,
 * before the app can add any (they load the page's own module).
 */
export const RECORD_HTML_HINTS = () => {
  const record = () => {
    if ((window as any).__htmlHints) return;
    (window as any).__htmlHints = [
      ...document.querySelectorAll("link[rel=prefetch],link[rel=modulepreload],link[rel=preload]"),
    ].map((l) => (l as HTMLLinkElement).href);
  };
  document.addEventListener("readystatechange", () => {
    if (document.readyState === "interactive") record();
  });
};

/**
 * The directory the site is served from (the copy of dist/ the tests run
 * against), from SERVED_DIR: either that directory itself or the server's
 * root above the base URL's path. Undefined when SERVED_DIR is unset.
 */
export function servedDir(baseURL: string): string | undefined {
  const dir = process.env.SERVED_DIR;
  if (!dir) return undefined;
  if (fs.existsSync(path.join(dir, "sw.js"))) return dir;
  const sub = path.join(dir, decodeURIComponent(new URL(baseURL).pathname));
  if (fs.existsSync(path.join(sub, "sw.js"))) return sub;
  throw new Error(`SERVED_DIR=${dir}: neither it nor ${sub} holds sw.js`);
}

import { expect, Page } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";

/** A topic as its content file declares it. */
export interface TopicInfo {
  slug: string;
  title: string;
  section: string;
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
      const field = (k: string) => {
        const m = text.match(new RegExp(`^${k}:\\s*(.*)$`, "m"));
        if (!m) throw new Error(`${f}: no ${k}`);
        return m[1].trim();
      };
      return { slug: field("slug"), title: field("title"), section: field("section") };
    });
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

/** Waits until the app has replaced the static loading shell. */
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


import { test, expect, Page } from "@playwright/test";
import { ready, topics, watchErrors, topicUrl, markDocument, sameDocument } from "./helpers";

// Full-text search: opened with "/" or the header button, results as you
// type with the matches marked, keyboard navigation, every section findable.

async function openSearch(page: Page) {
  await page.keyboard.press("/");
  await expect(page.locator("#search-dialog")).toBeVisible();
  await expect(page.locator("#search-input")).toBeFocused();
}

test("slash opens search; typing shows marked results; arrows and Enter open one", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("./");
  await ready(page);
  await openSearch(page);
  await expect(page.locator(".search-status")).toContainText("Type to search");
  await page.locator("#search-input").fill("selectinload");
  const results = page.locator("#search-results li");
  await expect(results.first()).toBeVisible();
  await expect(results.first().locator("mark").first()).toHaveText(/selectinload/i);
  await expect(page.locator("#search-input")).toHaveAttribute("aria-activedescendant", "sr-0");
  const count = await results.count();
  if (count > 1) {
    await page.keyboard.press("ArrowDown");
    await expect(page.locator("#search-input")).toHaveAttribute("aria-activedescendant", "sr-1");
    await page.keyboard.press("ArrowUp");
  }
  const href = (await results.first().locator("a").getAttribute("href")) ?? "";
  // Results link to the topic pages, relative to this page.
  expect(href).toMatch(/^topics\/[a-z0-9-]+\/(#[\w-]+)?$/);
  const target = new URL(href, page.url()).href;
  await markDocument(page);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(target);
  await ready(page);
  // Choosing a result loads its page.
  expect(await sameDocument(page)).toBe(false);
  await expect(page.locator("#search-dialog")).toBeHidden();
  await expect(page.locator("h1#page-title")).not.toHaveText("");
  const hash = new URL(target).hash.slice(1);
  if (hash) await expect(page.locator(`[id="${hash}"]`)).toBeInViewport();
  expect(errors).toEqual([]);
});

test("search from a topic page links back up to the other pages", async ({ page }) => {
  await page.goto(topicUrl("caching"));
  await ready(page);
  await openSearch(page);
  await page.locator("#search-input").fill("selectinload");
  const link = page.locator("#search-results a").first();
  await expect(link).toHaveAttribute("href", /^\.\.\/\.\.\/topics\/n-plus-one\/(#[\w-]+)?$/);
  const target = new URL((await link.getAttribute("href"))!, page.url()).href;
  await link.click();
  await expect(page).toHaveURL(target);
  await expect(page.locator("h1#page-title")).toHaveText("The N+1 query problem");
});

test("search finds a topic of every section", async ({ page }) => {
  await page.goto("./");
  await ready(page);
  await openSearch(page);
  const bySection = new Map<string, { slug: string; title: string }>();
  for (const t of topics()) if (!bySection.has(t.section)) bySection.set(t.section, t);
  expect(bySection.size).toBeGreaterThan(10);
  for (const [, t] of bySection) {
    await page.locator("#search-input").fill(t.title);
    await expect(page.locator(`#search-results a[href^="topics/${t.slug}/"]`).first()).toBeVisible();
  }
  await page.locator("#search-input").fill("zzqqxx");
  await expect(page.locator(".search-status")).toContainText("Nothing matches");
  await expect(page.locator("#search-results li")).toHaveCount(0);
});

test("the header button opens search; Escape and the backdrop close it; a click opens a result", async ({ page }) => {
  await page.goto("./");
  await ready(page);
  await page.getByRole("button", { name: /Search/ }).click();
  await expect(page.locator("#search-dialog")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.locator("#search-dialog")).toBeHidden();
  await page.getByRole("button", { name: /Search/ }).click();
  await page.mouse.click(5, 5);
  await expect(page.locator("#search-dialog")).toBeHidden();
  await openSearch(page);
  await page.locator("#search-input").fill("circuit breaker");
  const first = page.locator("#search-results a").first();
  const href = (await first.getAttribute("href")) ?? "";
  expect(href).toMatch(/^topics\/[a-z0-9-]+\//);
  const target = new URL(href, page.url()).href;
  await first.click();
  await expect(page).toHaveURL(target);
  await ready(page);
  await expect(page.locator("#search-dialog")).toBeHidden();
});

test("typing a slash in a field does not open search", async ({ page }) => {
  await page.goto(topicUrl("n-plus-one"));
  await ready(page);
  await page.locator("#np-n").focus();
  await page.keyboard.press("/");
  await expect(page.locator("#search-dialog")).toBeHidden();
});

test.describe("without the service worker (so that routes apply)", () => {
  test.use({ serviceWorkers: "block" });

  test("a failed index load says so and can be retried", async ({ page }) => {
    let fail = true;
    // The index, whatever its versioned name (search.json?v=..., search.txt).
    await page.route(/\/search\.[a-z]+(\?[^/]*)?$/, (route) =>
      fail ? route.fulfill({ status: 503, body: "down" }) : route.continue(),
    );
    await page.goto("./");
    await ready(page);
    await openSearch(page);
    await expect(page.locator(".search-status")).toContainText("could not be loaded");
    fail = false;
    await page.getByRole("button", { name: "Try again" }).click();
    await expect(page.locator(".search-status")).toContainText("Type to search");
    await page.locator("#search-input").fill("idempotency");
    await expect(page.locator("#search-results li").first()).toBeVisible();
  });
});

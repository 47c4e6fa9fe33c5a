import { test, expect, Page } from "@playwright/test";
import { ready, topics, watchErrors } from "./helpers";

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
  const href = await results.first().locator("a").getAttribute("href");
  await page.keyboard.press("Enter");
  await expect(page.locator("#search-dialog")).toBeHidden();
  const [query, hash] = (href ?? "").split("#");
  await expect(page).toHaveURL(new RegExp(`\\${query}${hash ? `#${hash}` : ""}$`));
  await expect(page.locator("h1#page-title")).not.toHaveText("");
  expect(errors).toEqual([]);
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
    await expect(page.locator(`#search-results a[href^="?topic=${t.slug}"]`).first()).toBeVisible();
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
  await first.click();
  await expect(page.locator("#search-dialog")).toBeHidden();
  await expect(page).toHaveURL(new RegExp(`\\${href.split("#")[0]}`));
});

test("typing a slash in a field does not open search", async ({ page }) => {
  await page.goto("./?topic=n-plus-one");
  await ready(page);
  await page.locator("#np-n").focus();
  await page.keyboard.press("/");
  await expect(page.locator("#search-dialog")).toBeHidden();
});

test("a failed index load says so and can be retried", async ({ page }) => {
  let fail = true;
  await page.route(/search\.txt/, (route) =>
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

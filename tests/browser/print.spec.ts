import { test, expect } from "@playwright/test";
import { ready, topics, watchErrors } from "./helpers";

// Printing: a topic, or the whole sheet from one page, prints the text only.

test("a topic prints without navigation, controls or the live visualization", async ({ page }) => {
  await page.goto("./?topic=n-plus-one");
  await ready(page);
  await expect(page.locator(".prose")).toBeVisible();
  await page.emulateMedia({ media: "print" });
  for (const hidden of [".site-header", "#topic-nav", ".viz", ".pager", ".related", ".site-footer"]) {
    await expect(page.locator(hidden).first(), hidden).toBeHidden();
  }
  await expect(page.locator(".prose")).toBeVisible();
  await expect(page.locator("h1#page-title")).toBeVisible();
});

test("the whole sheet loads every topic on one page and breaks pages between sections", async ({ page }) => {
  const errors = watchErrors(page);
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto("./");
  await ready(page);
  await page.getByRole("link", { name: "The whole sheet on one page" }).click();
  await expect(page.locator("h1#page-title")).toHaveText("The whole sheet");
  await expect(page).toHaveURL(/\?sheet$/);
  const all = topics();
  await expect(page.locator(".sheet-topic")).toHaveCount(all.length);
  await expect(page.locator(".sheet-topic .prose")).toHaveCount(all.length, { timeout: 20_000 });
  await page.emulateMedia({ media: "print", colorScheme: "dark" });
  await expect(page.getByRole("button", { name: "Print" })).toBeHidden();
  const sections = page.locator(".sheet-section");
  const n = await sections.count();
  expect(n).toBeGreaterThan(10);
  const breaks = await sections.evaluateAll((els) => els.map((e) => getComputedStyle(e).breakBefore));
  expect(breaks[0]).not.toBe("page");
  expect(breaks.slice(1).every((b) => b === "page")).toBe(true);
  // Dark theme or not, print is black on white.
  const colours = await page.evaluate(() => ({
    fg: getComputedStyle(document.body).color,
    bg: getComputedStyle(document.body).backgroundColor,
  }));
  expect(colours).toEqual({ fg: "rgb(0, 0, 0)", bg: "rgb(255, 255, 255)" });
  await page.pdf({ path: "artifacts/screenshots/sheet.pdf" }).catch(() => undefined);
  expect(errors).toEqual([]);
});

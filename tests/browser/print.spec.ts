import { test, expect } from "@playwright/test";
import { ready, topics, watchErrors, topicUrl } from "./helpers";

// Printing: a topic, or the whole sheet from one page, prints the text only.

test("a topic prints without navigation, controls or the live visualization", async ({ page }) => {
  await page.goto(topicUrl("n-plus-one"));
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
  await expect(page).toHaveURL(/\/some\/dir\/sheet\/$/);
  await ready(page);
  const all = topics();
  await expect(page.locator(".sheet-topic")).toHaveCount(all.length);
  await expect(page.locator(".sheet-topic .prose")).toHaveCount(all.length);
  // Every id on the page is unique, and each topic's heading ids carry its slug.
  const ids = await page.locator("[id]").evaluateAll((els) => els.map((e) => e.id));
  expect(ids.filter((id, i) => ids.indexOf(id) !== i), "ids used twice").toEqual([]);
  const unprefixed = await page.locator(".sheet-topic").evaluateAll((topics) =>
    topics.flatMap((t) => {
      const slug = t.id.replace(/^sheet-/, "");
      return [...t.querySelectorAll(".prose :is(h1, h2, h3, h4, h5, h6)[id]")]
        .map((h) => h.id)
        .filter((id) => !id.startsWith(`${slug}--`))
        .map((id) => `${slug}: ${id}`);
    }),
  );
  expect(unprefixed).toEqual([]);
  // An in-sheet anchor leads to its heading on this page.
  const anchor = page.locator(".sheet-topic .prose a.anchor").last();
  const href = (await anchor.getAttribute("href")) ?? "";
  expect(href).toMatch(/^#[a-z0-9-]+--/);
  await anchor.click();
  await expect(page.locator(`[id="${href.slice(1)}"]`)).toBeInViewport();
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

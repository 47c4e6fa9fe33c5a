import { test, expect } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { topics, watchErrors, ready, topicUrl } from "./helpers";

const all = topics();

test("the home page lists every topic, grouped by section", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("./");
  await ready(page);
  await expect(page).toHaveTitle(/Backend Playground/);
  await expect(page.locator("header .brand")).toContainText("Backend Playground");
  const cards = page.locator("main .card");
  const sectionIds = new Set(all.map((t) => t.section));
  await expect(cards).toHaveCount(sectionIds.size);
  await expect(page.locator("main .topic-list a")).toHaveCount(all.length);
  await expect(page.locator("#topic-nav .nav-sections a")).toHaveCount(all.length);
  await expect(page.locator('#topic-nav a[aria-current="page"]')).toHaveText("Overview");
  for (const t of all) {
    await expect(page.locator(`main .topic-list a[href="topics/${t.slug}/"]`)).toHaveText(t.title);
  }
  // Each section says what it is for, right under its heading.
  await expect(page.locator("main .card > h2 + p.section-subtitle")).toHaveCount(sectionIds.size);
  expect(errors).toEqual([]);
});

test("the whole sheet gives each section its subtitle under the heading", async ({ page }) => {
  await page.goto("./sheet/");
  const sections = page.locator(".sheet-section");
  const n = await sections.count();
  expect(n).toBeGreaterThan(0);
  await expect(page.locator(".sheet-section > h2 + p.section-subtitle")).toHaveCount(n);
  await expect(page.locator(".sheet-section > p.section-subtitle").first()).not.toBeEmpty();
});

for (const t of all) {
  test(`topic ${t.slug} loads cleanly`, async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(topicUrl(t.slug));
    await ready(page);
    await expect(page.locator("h1#page-title")).toHaveText(t.title);
    await expect(page).toHaveTitle(`${t.title} | Backend Playground`);
    await expect(page.locator(".prose")).not.toBeEmpty();
    await expect(page.locator(`#topic-nav a[aria-current="page"]`)).toHaveAttribute("href", `../../topics/${t.slug}/`);
    await expect(page.locator(`#topic-nav a[aria-current="page"]`)).toContainText(t.title);
    await expect(page.locator(`#topic-nav a[aria-current]`)).toHaveCount(1);
    // Every link between topics points at a topic that exists, in the new
    // form (no link of the old, query-only form is left).
    const hrefs = await page.locator(".prose a[href]").evaluateAll((as) =>
      as.map((a) => a.getAttribute("href") || ""),
    );
    for (const href of hrefs) {
      expect(href, `${href} is a link of the old form`).not.toMatch(/^\??topic=|[?&]topic=/);
      const m = href.match(/^(?:\.\.\/)*topics\/([^/?#]+)\//);
      if (!m) continue;
      expect(all.map((x) => x.slug), `${href} links to a missing topic`).toContain(m[1]);
    }
    expect(errors).toEqual([]);
  });
}

test("no serious or critical accessibility violation on any page", async ({ page }) => {
  test.setTimeout(240_000);
  const urls = ["./", "./not-found/?topic=no-such-topic", "./sheet/", "./drill/", ...all.map((t) => topicUrl(t.slug))];
  const found: string[] = [];
  for (const url of urls) {
    await page.goto(url);
    await ready(page);
    const result = await new AxeBuilder({ page }).analyze();
    for (const v of result.violations) {
      if (v.impact === "serious" || v.impact === "critical") {
        found.push(`${url}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
      }
    }
  }
  expect(found).toEqual([]);
});

test("the dark theme passes the accessibility scan too", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  const found: string[] = [];
  for (const url of ["./", topicUrl(all[0].slug), topicUrl("n-plus-one"), "./not-found/?topic=no-such-topic", "./drill/"]) {
    await page.goto(url);
    await ready(page);
    const result = await new AxeBuilder({ page }).analyze();
    for (const v of result.violations) {
      if (v.impact === "serious" || v.impact === "critical") found.push(`${url}: ${v.id}`);
    }
  }
  expect(found).toEqual([]);
});

test("screenshots of home and a topic, desktop and phone, both themes", async ({ page }) => {
  const topic = all.find((t) => t.slug === "n-plus-one") ?? all[0];
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [name, size] of [
      ["desktop", { width: 1280, height: 800 }],
      ["phone", { width: 375, height: 667 }],
    ] as const) {
      const suffix = scheme === "light" ? name : `${name}-dark`;
      await page.setViewportSize(size);
      await page.goto("./");
      await ready(page);
      await page.screenshot({ path: `artifacts/screenshots/home-${suffix}.png` });
      await page.goto(topicUrl(topic.slug));
      await ready(page);
      await expect(page.locator(".topic-text .prose")).toBeVisible();
      await page.screenshot({ path: `artifacts/screenshots/topic-${suffix}.png` });
      if (name === "phone") {
        await page.locator("#menu-button").click();
        await expect(page.locator("#topic-nav")).toBeVisible();
        await page.screenshot({ path: `artifacts/screenshots/menu-${suffix}.png` });
      }
    }
  }
});

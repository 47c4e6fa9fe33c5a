import { test, expect } from "@playwright/test";
import * as fs from "node:fs";
import * as path from "node:path";
import { topics, watchErrors, ready, topicUrl, topicPath, navLink, markDocument, sameDocument } from "./helpers";

const all = topics();
const [first, second] = [all[0], all[all.length - 1]];

test("clicking topics loads their pages, and back/forward work", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("./");
  await ready(page);
  await markDocument(page);

  await navLink(page, first.slug).click();
  await expect(page.locator("h1#page-title")).toHaveText(first.title);
  await expect(page).toHaveURL(new RegExp(`${topicPath(first.slug)}$`));
  await ready(page);
  // Each page is its own document: following a link loaded a new one.
  expect(await sameDocument(page)).toBe(false);
  await expect(page).toHaveTitle(`${first.title} | Backend Playground`);
  await expect(page.locator('#topic-nav a[aria-current="page"]')).toHaveText(first.title);

  await navLink(page, second.slug).click();
  await expect(page.locator("h1#page-title")).toHaveText(second.title);
  await expect(page).toHaveURL(new RegExp(`${topicPath(second.slug)}$`));
  await expect(page.locator('#topic-nav a[aria-current="page"]')).toHaveText(second.title);

  await page.goBack();
  await expect(page.locator("h1#page-title")).toHaveText(first.title);
  await expect(page).toHaveURL(new RegExp(`${topicPath(first.slug)}$`));
  await page.goBack();
  await expect(page.locator(".home h1")).toBeVisible();
  await expect(page).toHaveURL(/\/some\/dir\/$/);
  await page.goForward();
  await expect(page.locator("h1#page-title")).toHaveText(first.title);
  await expect(page.locator('#topic-nav a[aria-current="page"]')).toHaveText(first.title);
  await ready(page);
  expect(errors).toEqual([]);
});

test("a page opened from a link starts at its top, with the skip link first in the tab order", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 600 });
  await page.goto("./");
  await ready(page);
  // Scroll down on the overview, then open a topic from its list.
  const link = page.locator(`main .topic-list a[href="topics/${first.slug}/"]`);
  await link.scrollIntoViewIfNeeded();
  await link.click();
  await expect(page.locator("h1#page-title")).toHaveText(first.title);
  await ready(page);
  await expect(page.locator("h1#page-title")).toBeInViewport();
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  // The new document's focus is at its start: the first Tab reaches the
  // skip link, which leads to the content.
  await page.keyboard.press("Tab");
  await expect(page.locator(".skip-link")).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
});

test("deep links and reload open the same topic, from a sub-path", async ({ page }) => {
  await page.goto(topicUrl(second.slug));
  await ready(page);
  await expect(page.locator("h1#page-title")).toHaveText(second.title);
  await page.reload();
  await ready(page);
  await expect(page.locator("h1#page-title")).toHaveText(second.title);
  // index.html spelled out works as well, for the page and for an old link.
  await page.goto(`./topics/${first.slug}/index.html`);
  await ready(page);
  await expect(page.locator("h1#page-title")).toHaveText(first.title);
  await page.goto(`./index.html?topic=${second.slug}`);
  await ready(page);
  await expect(page).toHaveURL(new RegExp(`${topicPath(second.slug)}$`));
  await expect(page.locator("h1#page-title")).toHaveText(second.title);
  // A topic's folder without its trailing slash is sent to it.
  await page.goto(`./topics/${first.slug}`);
  await ready(page);
  await expect(page).toHaveURL(new RegExp(`${topicPath(first.slug)}$`));
  await expect(page.locator("h1#page-title")).toHaveText(first.title);
});

test("a deep link to a heading scrolls to it", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 500 });
  // A topic whose text has headings (its file says so).
  const contentDir = path.join(__dirname, "..", "..", "content");
  const withHeadings = all.find((t) =>
    fs.readFileSync(path.join(contentDir, `${t.slug}.md`), "utf8").includes("\n## "),
  )!;
  await page.goto(topicUrl(withHeadings.slug));
  await ready(page);
  await expect(page.locator(".prose h2[id]").first()).toBeAttached();
  const ids = await page.locator(".prose h2[id], .prose h3[id]").evaluateAll((hs) => hs.map((h) => h.id));
  expect(ids.length).toBeGreaterThan(0);
  const target = ids[ids.length - 1];
  await page.goto(`${topicUrl(withHeadings.slug)}#${target}`);
  await ready(page);
  await expect(page.locator(`[id="${target}"]`)).toBeInViewport();
  // The old form of the same link lands on the same heading.
  await page.goto("./");
  await page.goto(`./?topic=${withHeadings.slug}#${target}`);
  await ready(page);
  await expect(page).toHaveURL(new RegExp(`${topicPath(withHeadings.slug)}#${target}$`));
  await expect(page.locator(`[id="${target}"]`)).toBeInViewport();
});

test("prev and next links walk the topics in reading order", async ({ page }) => {
  await page.goto("./");
  await ready(page);
  // Reading order is the order of the navigation.
  const order = await page
    .locator("#topic-nav .nav-sections a")
    .evaluateAll((as) => as.map((a) => a.textContent || ""));
  expect(order).toHaveLength(all.length);
  await page.locator("#topic-nav .nav-sections a").first().click();
  await expect(page.locator("h1#page-title")).toHaveText(order[0]);
  await expect(page.locator(".pager .prev")).toHaveCount(0);
  await page.locator(".pager .next").click();
  await expect(page.locator("h1#page-title")).toHaveText(order[1]);
  await page.locator(".pager .prev").click();
  await expect(page.locator("h1#page-title")).toHaveText(order[0]);
  await page.locator("#topic-nav .nav-sections a").last().click();
  await expect(page.locator("h1#page-title")).toHaveText(order[order.length - 1]);
  await expect(page.locator(".pager .next")).toHaveCount(0);
  await expect(page.locator(".pager .prev")).toContainText(order[order.length - 2]);
});

test("an unknown topic opens the not-found page with a way home and every topic", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("./?topic=no-such-topic");
  await ready(page);
  await expect(page).toHaveURL(/\/some\/dir\/not-found\/\?topic=no-such-topic$/);
  await expect(page.locator("h1#page-title")).toHaveText("Topic not found");
  await expect(page.locator(".not-found")).toContainText("no-such-topic");
  await expect(page.locator(".not-found .all-topics a")).toHaveCount(all.length);
  await page.locator(".not-found a.button").click();
  await expect(page.locator(".home h1")).toBeVisible();
  await expect(page).toHaveURL(/\/some\/dir\/$/);
  await ready(page);
  // The not-found page names the slug its address asks for, as text.
  await page.goto("./not-found/?topic=%3Cb%3Ebold%3C%2Fb%3E");
  await ready(page);
  await expect(page.locator(".not-found")).toContainText("<b>bold</b>");
  await expect(page.locator(".not-found b")).toHaveCount(0);
  // The topic it asks for is the page's subject, not a part it ignored.
  await expect(page.locator(".notice")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("malformed and unknown query parameters give a notice, never a blank page", async ({ page }) => {
  const errors = watchErrors(page);
  for (const q of ["?topic=%E0%A4%A", "?topic=%ZZ&x", "?topic=<script>alert(1)</script>", "?&&=&topic"]) {
    await page.goto(`./${q}`);
    await ready(page);
    await expect(page.locator("h1#page-title")).not.toBeEmpty();
  }
  // An old link with a parameter its page does not know: the page opens and
  // names it.
  await page.goto(`./?topic=${first.slug}&speed=fast`);
  await ready(page);
  await expect(page).toHaveURL(new RegExp(`${topicPath(first.slug)}\\?speed=fast$`));
  await expect(page.locator("h1#page-title")).toHaveText(first.title);
  await expect(page.locator(".notice")).toContainText("speed=fast");
  await page.locator(".notice button").click();
  await expect(page.locator(".notice")).toHaveCount(0);
  // The same on the page's own address, and on the overview.
  await page.goto(topicUrl(first.slug, "speed=fast"));
  await ready(page);
  await expect(page.locator(".notice")).toContainText("speed=fast");
  await page.goto("./?speed=fast");
  await ready(page);
  await expect(page.locator(".home h1")).toBeVisible();
  await expect(page.locator(".notice")).toContainText("speed=fast");
  expect(errors).toEqual([]);
});

test("the brand and the Overview link open the overview itself, from every page", async ({ page, baseURL }) => {
  const home = new URL("./", baseURL).href;
  for (const url of ["./?speed=fast", "./#sec-performance", topicUrl(first.slug), topicUrl("n-plus-one", "n=5&step=2"), "./sheet/", "./drill/"]) {
    await page.goto(url);
    await ready(page);
    const here = page.url();
    for (const link of [page.locator(".brand"), page.locator("#topic-nav a.nav-home").first()]) {
      const href = (await link.getAttribute("href")) ?? "";
      expect(new URL(href, here).href, `${url}: ${href}`).toBe(home);
    }
  }
  // Followed from an overview whose address had a query, it opens the bare overview.
  await page.goto("./?speed=fast");
  await ready(page);
  await page.locator(".brand").click();
  await expect(page).toHaveURL(home);
  await ready(page);
  await expect(page.locator(".notice")).toHaveCount(0);
});

test("the skip link moves focus to the content", async ({ page }) => {
  await page.goto("./");
  await ready(page);
  await page.keyboard.press("Tab");
  await expect(page.locator(".skip-link")).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
});

test("topics can be reached by keyboard alone", async ({ page }) => {
  await page.goto("./");
  await ready(page);
  const link = navLink(page, first.slug);
  await link.focus();
  await page.keyboard.press("Enter");
  await expect(page.locator("h1#page-title")).toHaveText(first.title);
  await expect(page).toHaveURL(new RegExp(`${topicPath(first.slug)}$`));
  await ready(page);
  // On the new page the keyboard goes on from its start: the skip link.
  await page.keyboard.press("Tab");
  await expect(page.locator(".skip-link")).toBeFocused();
});

test("a topic's text is in the page as served, before and without the app", async ({ page, request }) => {
  const topic = all[0];
  // The text does not wait for anything: the HTML holds it.
  const html = await (await request.get(topicUrl(topic.slug))).text();
  expect(html).toContain(`<h1 id="page-title"`);
  expect(html).toMatch(/class="prose"/);
  expect(html).not.toContain("Loading the text");
  // With every module refused, the page still reads in full.
  await page.route(/\.(wasm|js)(\?|$)/, (route) => route.abort());
  await page.goto(topicUrl(topic.slug));
  await expect(page.locator("h1#page-title")).toHaveText(topic.title);
  await expect(page.locator(".topic-text .prose")).not.toBeEmpty();
  await expect(page.locator(".load-error")).toHaveCount(0);
  await expect(page.locator("html[data-ready]")).toHaveCount(0);
});

test.describe("without the service worker (so that routes apply)", () => {
  test.use({ serviceWorkers: "block" });

  test("a site whose wasm cannot load still reads, and a model says it could not start", async ({ page }) => {
    await page.route("**/*.wasm", (route) => route.abort());
    await page.goto("./");
    await expect(page.locator("html.no-app")).toHaveCount(1, { timeout: 10_000 });
    await expect(page.locator("html[data-ready]")).toHaveCount(0);
    await expect(page.locator(".brand")).toContainText("Backend Playground");
    await expect(page.locator("h1#page-title")).toBeVisible();
    await expect(page.locator("main .topic-list a")).toHaveCount(all.length);
    await page.goto(topicUrl("n-plus-one"));
    await expect(page.locator("html.no-app")).toHaveCount(1, { timeout: 10_000 });
    await expect(page.locator(".topic-text .prose")).toBeVisible();
    await expect(page.locator("#viz .viz-placeholder #viz-title")).toBeVisible();
    await expect(page.locator("#viz .viz-failed")).toBeVisible();
    await expect(page.locator("#viz .viz-failed")).toContainText("could not start");
    await expect(page.locator("#viz .viz-loading")).toBeHidden();
  });
});

test("in-page anchors move within the page, and back does not reload it", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 500 });
  const withHeading = all.find(() => true)!;
  await page.goto(topicUrl(withHeading.slug));
  await ready(page);
  await expect(page.locator(".topic-text .prose")).toBeVisible();
  const anchors = page.locator(".prose h2 a.anchor");
  test.skip((await anchors.count()) === 0, "this topic has no headings yet");
  await page.locator(".topic-text .prose").evaluate((el) => ((el as any).__same = true));
  await markDocument(page);
  const last = anchors.last();
  const id = (await last.getAttribute("href"))!.slice(1);
  await last.click();
  await expect(page).toHaveURL(new RegExp(`${topicPath(withHeading.slug)}#${id}$`));
  await expect(page.locator(`[id="${id}"]`)).toBeInViewport();
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`${topicPath(withHeading.slug)}$`));
  expect(await sameDocument(page)).toBe(true);
  expect(await page.locator(".topic-text .prose").evaluate((el) => (el as any).__same)).toBe(true);
});

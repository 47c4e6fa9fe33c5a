import { test, expect, Page } from "@playwright/test";
import { ready, watchErrors, expectNoHorizontalScroll, topicUrl, topicPath, markDocument, sameDocument } from "./helpers";

// The cache-aside visualization: every race stepped to its stale read (or
// lost write) and defeated by its mitigation, the script editors, the
// permalinks, the keyboard, bad URLs, the comparison tables and the phone
// layout. The figures asserted follow from the schedules in the URLs.

const staleSet =
  "policy=update-delete&lease=off&jitter=0&xfetch=0&ttl_ms=30000&warm=off&clock=script&a=read,read&b=write&schedule=a,a,b,b,a,a";

/** Opens the caching page with `query`, the model's parameters. */
async function open(page: Page, query: string) {
  await page.goto(topicUrl("caching", query));
  await ready(page);
  await expect(page.locator(".ca")).toBeVisible();
}

const stepCount = (page: Page) => page.locator(".step-count");
const caption = (page: Page) => page.locator(".player .caption");
const stat = (page: Page, label: string) =>
  page.locator(".ca .stat", { has: page.locator("dt", { hasText: label }) }).locator(".now");

/** The last step, by keyboard (the button is disabled once there). */
async function toEnd(page: Page) {
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  await page.keyboard.press("End");
}

test("the stale set: stepping shows the race, leases stop it", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, `${staleSet}&step=0`);
  await expect(page.locator("#ca-preset")).toHaveValue("stale-set");
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowRight");
  await expect(stepCount(page)).toHaveText("5 / 6");
  await expect(caption(page)).toContainText("A sets v1 in the cache, but the database already holds v2");
  await expect(page.locator(".ca-seq .ca-step.now .ca-req")).toHaveText("SET user:42 v1 PX 30000");
  await expect(page.locator(".ca-store tr.stale")).toHaveCount(1);
  await page.keyboard.press("ArrowRight");
  await expect(caption(page)).toContainText("a stale read");
  await expect(page.locator(".ca-seq .ca-reply.stale")).toHaveCount(1);
  await expect(stat(page, "Stale reads")).toHaveText("1");
  // Leases on: the same schedule, no stale read.
  await page.locator("#ca-lease").selectOption("on");
  await expect(page).toHaveURL(/lease=on/);
  await toEnd(page);
  await expect(stat(page, "Stale reads")).toHaveText("0");
  await expect(page.locator(".ca .stat", { hasText: "set refused" }).locator(".of")).toHaveText("1 set refused");
  await page.keyboard.press("Home");
  await stepUntil(page, "its set of v1 is refused");
  expect(errors).toEqual([]);
});

/** Steps forward until the caption says `text`. */
async function stepUntil(page: Page, text: string, max = 40) {
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  for (let i = 0; i < max; i++) {
    if ((await caption(page).textContent())?.includes(text)) return;
    await page.keyboard.press("ArrowRight");
  }
  throw new Error(`no step says "${text}"`);
}

test("every race happens without its mitigation and not with it", async ({ page }) => {
  await open(page, "");
  const staleCached = page.locator(".ca-store tr.stale");
  // Delete, then update: the reader refills v1 and the cache stays wrong;
  // update, then delete, leaves it right.
  await page.locator("#ca-preset").selectOption("delete-first");
  await stepUntil(page, "a stale read");
  await toEnd(page);
  await expect(staleCached).toHaveCount(1);
  await page.locator("#ca-policy").selectOption("update-delete");
  await toEnd(page);
  await expect(staleCached).toHaveCount(0);
  await expect(page.locator("#ca-preset")).toHaveValue("custom");
  // Two writers that set: the cache ends on the older value; deletes fix it.
  await page.locator("#ca-preset").selectOption("set-race");
  await stepUntil(page, "sets do not commute");
  await toEnd(page);
  await expect(stat(page, "Stale reads")).toHaveText("1");
  await page.locator("#ca-policy").selectOption("update-delete");
  await toEnd(page);
  await expect(stat(page, "Stale reads")).toHaveText("0");
  // A lost invalidation: a read 5 s later is stale with a 30 s TTL, fresh
  // with a 1 s TTL.
  await page.locator("#ca-preset").selectOption("lost-delete");
  await stepUntil(page, "the invalidation is lost");
  await page.locator("#ca-schedule-text").fill("a,a!,5s,b");
  await page.locator("#ca-schedule-text").press("Enter");
  await toEnd(page);
  // B's two reads, 5 s after the lost delete, both return v1.
  await expect(stat(page, "Stale reads")).toHaveText("2");
  await page.locator("#ca-ttl-ms").fill("1000");
  await page.locator("#ca-ttl-ms").press("Enter");
  await toEnd(page);
  await expect(stat(page, "Stale reads")).toHaveText("0");
  // The herd: three database reads, one with leases.
  await page.locator("#ca-preset").selectOption("herd");
  await toEnd(page);
  await expect(stat(page, "Database reads")).toHaveText("3");
  await page.locator("#ca-lease").selectOption("on");
  await toEnd(page);
  await expect(stat(page, "Database reads")).toHaveText("1");
  await page.keyboard.press("Home");
  await stepUntil(page, "another instance holds the lease");
  // Write-behind: a crash loses the queued writes.
  await page.locator("#ca-preset").selectOption("write-behind-crash");
  await stepUntil(page, "never reach the database");
  await expect(stat(page, "Writes lost")).toHaveText("2");
});

test("a script typed, edited and reordered by keyboard, shared and reopened", async ({ page, context }) => {
  await open(page, "clock=script&a=read&b=write&schedule=");
  await expect(page.locator(".ca .bk-actions li")).toHaveCount(0);
  // Type a schedule: A misses and reads v1 before B commits and deletes.
  await page.locator("#ca-schedule-text").fill("a,a,b,b");
  await page.locator("#ca-schedule-text").press("Enter");
  await expect(page).toHaveURL(/schedule=a,a,b,b/);
  await expect(page.locator(".ca .bk-actions li")).toHaveCount(4);
  // The reader's set lands after the writer's delete: the cache is wrong.
  await toEnd(page);
  await expect(page.locator(".ca-store tr.stale")).toHaveCount(1);
  // Add a second read for A with the button, and a step for it.
  await page.getByRole("button", { name: "+ read" }).first().click();
  await expect(page).toHaveURL(/a=read,read/);
  await page.getByRole("button", { name: "A steps", exact: true }).click();
  await expect(page).toHaveURL(/schedule=a,a,b,b,a/);
  await toEnd(page);
  await expect(stat(page, "Stale reads")).toHaveText("1");
  // Move the last entry (A's set) up twice by keyboard: A sets v1 before
  // the writer commits and deletes, so nothing stale is read.
  await page.getByRole("button", { name: "Move entry 5 up" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("button", { name: "Move entry 4 up" })).toBeFocused();
  await expect(page).toHaveURL(/schedule=a,a,b,a,b/);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/schedule=a,a,a,b,b/);
  await toEnd(page);
  await expect(stat(page, "Stale reads")).toHaveText("0");
  // Remove an entry with the pointer.
  await page.getByRole("button", { name: "Remove entry 5" }).click();
  await expect(page).toHaveURL(/schedule=a,a,a,b(&|$)/);
  // Wait and crash entries.
  await page.getByRole("button", { name: "B crashes" }).click();
  await expect(page).toHaveURL(/schedule=a,a,a,b,b!/);
  await page.getByRole("spinbutton", { name: "Seconds to wait" }).fill("40");
  await page.getByRole("spinbutton", { name: "Seconds to wait" }).press("Tab");
  await page.getByRole("button", { name: "Wait", exact: true }).click();
  await expect(page).toHaveURL(/schedule=a,a,a,b,b!,40s/);
  // Clicking an entry shows its step; the permalink reopens it.
  await page.locator(".ca .bk-action-go").nth(2).click();
  await expect(stepCount(page)).toHaveText(/^3 \//);
  await expect(page).toHaveURL(/step=3$/);
  const url = page.url();
  const fresh = await (await context.browser()!.newContext()).newPage();
  await fresh.goto(url);
  await ready(fresh);
  await expect(fresh.locator(".step-count")).toHaveText((await stepCount(page).textContent()) ?? "");
  await expect(fresh.locator(".player .caption")).toHaveText((await caption(page).textContent()) ?? "");
  await expect(fresh.locator(".ca .bk-actions li")).toHaveCount(6);
  // Instances come and go, up to ten; each gets its step and crash buttons.
  await expect(page.locator("#ca-remove-instance")).toBeDisabled();
  await page.locator("#ca-add-instance").click();
  await expect(page).toHaveURL(/&c=read/);
  await expect(page.getByRole("button", { name: "C steps" })).toBeVisible();
  await page.getByRole("button", { name: "C crashes" }).click();
  await expect(page).toHaveURL(/schedule=a,a,a,b,b!,40s,c!/);
  for (let i = 0; i < 7; i++) await page.locator("#ca-add-instance").click();
  await expect(page).toHaveURL(/&j=read/);
  await expect(page.locator("#ca-add-instance")).toBeDisabled();
  await expect(page.locator(".ca-programs li")).toHaveCount(10);
  await page.getByRole("button", { name: "J steps" }).click();
  await expect(page).toHaveURL(/schedule=a,a,a,b,b!,40s,c!,j/);
  await expect(page.locator(".ca-seq .ca-lane")).toHaveCount(12);
  await expectNoHorizontalScroll(page);
  for (let i = 0; i < 8; i++) await page.locator("#ca-remove-instance").click();
  await expect(page).not.toHaveURL(/&c=/);
  await expect(page).toHaveURL(/schedule=a,a,a,b,b!,40s(&|$)/);
});

test("the keyboard drives the player, but not while typing the schedule", async ({ page }) => {
  await open(page, `${staleSet}&step=2`);
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  await page.keyboard.press("ArrowLeft");
  await expect(stepCount(page)).toHaveText("1 / 6");
  await page.keyboard.press("End");
  await expect(stepCount(page)).toHaveText("6 / 6");
  await page.locator("#ca-schedule-text").focus();
  await page.keyboard.press("Home");
  await expect(stepCount(page)).toHaveText("6 / 6");
});

test("bad URLs open the nearest valid state with a notice", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "policy=never&a=read,jump&b=write&schedule=a,c,z,5x,b&ttl_ms=5");
  const notice = page.locator(".notice");
  for (const part of ["policy=never", "jump", "no instance C", "\u201cz\u201d", "5x", "ttl_ms=5"]) {
    await expect(notice).toContainText(part);
  }
  await expect(page.locator("#ca-policy")).toHaveValue("update-delete");
  await expect(page.locator("#ca-ttl-ms")).toHaveValue("100");
  await expect(page.locator(".ca .bk-actions li")).toHaveCount(2);
  // A typed schedule with a bad entry says what it ignored.
  await page.locator("#ca-schedule-text").fill("a,q,b");
  await page.locator("#ca-schedule-text").press("Enter");
  await expect(page.locator(".ca-script .form-note")).toContainText("\u201cq\u201d");
  await expect(page.locator(".ca .bk-actions li")).toHaveCount(2);
  expect(errors).toEqual([]);
});

test("the comparison tables come from the workload model", async ({ page }) => {
  await open(page, staleSet);
  await page.locator(".ca-compare summary").click();
  const tables = page.locator(".ca-compare table");
  await expect(tables).toHaveCount(3);
  await expect(tables.nth(0).locator("tbody tr")).toHaveCount(4);
  // Leases leave one database read for the hot key; no mitigation, many.
  const hot = tables.nth(2);
  const reads = async (row: string) =>
    Number((await hot.locator("tr", { hasText: row }).locator("td").nth(1).textContent())?.replace(/,/g, ""));
  expect(await reads("Leases")).toBe(1);
  expect(await reads("No mitigation")).toBeGreaterThan(10);
});

test("a 'see it happen' link opens its race without a reload, and Back returns", async ({ page }) => {
  await open(page, "");
  await markDocument(page);
  const entries = await page.evaluate(() => history.length);
  await page.locator(".topic-text a", { hasText: "The thundering herd" }).click();
  await expect(page.locator("#ca-preset")).toHaveValue("herd");
  await expect(stepCount(page)).toHaveText("11 / 11");
  await expect(stat(page, "Database reads")).toHaveText("3");
  await expect(page).toHaveURL(new RegExp(`${topicPath("caching")}\\?`));
  expect(await sameDocument(page)).toBe(true);
  expect(await page.evaluate(() => history.length)).toBe(entries + 1);
  await page.goBack();
  await expect(page.locator("#ca-preset")).toHaveValue("stale-set");
  expect(await sameDocument(page)).toBe(true);
  await page.goForward();
  await expect(page.locator("#ca-preset")).toHaveValue("herd");
  await expect(stepCount(page)).toHaveText("11 / 11");
});

test("an old link opens the new address at the same frame", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, `${staleSet}&step=5`);
  const wanted = (await caption(page).textContent()) ?? "";
  expect(wanted).toContain("A sets v1 in the cache");
  await page.getByRole("button", { name: "Step forward" }).click();
  await expect(page).toHaveURL(/step=6/);
  await page.goto(`./?topic=caching&${staleSet}&step=5`);
  await ready(page);
  await expect(page).toHaveURL(new RegExp(`${topicPath("caching")}\\?policy=update-delete&(.*&)?step=5(&|$)`));
  expect(page.url()).not.toContain("topic=");
  await expect(stepCount(page)).toHaveText("5 / 6");
  await expect(caption(page)).toHaveText(wanted);
  await expect(page.locator("#ca-preset")).toHaveValue("stale-set");
  await expect(page.locator(".notice")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("the fixes for the stale set: each control by keyboard, its command in the log", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, staleSet);
  // Every new control has its label.
  for (const [id, label] of [
    ["ca-watch", "Fill guard"],
    ["ca-flight", "Single flight"],
    ["ca-missing", "At the start the row is"],
    ["ca-negative", "A missing row"],
  ]) {
    await expect(page.getByLabel(new RegExp(`^${label}`))).toHaveAttribute("id", id);
  }
  // Versioned sets, picked from the scenario list by keyboard: the
  // script refuses A's fill, and the log names it.
  await page.locator("#ca-preset").focus();
  await page.locator("#ca-preset").selectOption("tombstone");
  await stepUntil(page, "the script refuses v1");
  await expect(page.locator(".ca-seq .ca-step.now .ca-req")).toContainText("EVAL \u2039set if newer\u203a");
  await expect(page.locator(".ca-stores")).toContainText("t2");
  await toEnd(page);
  await expect(stat(page, "Stale reads")).toHaveText("1");
  await page.locator(".ca-scripts summary").click();
  await expect(page.locator(".ca-scripts pre").first()).toContainText("redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])");
  // WATCH on the stale set, chosen by keyboard: the stale fill still lands
  // (the key was absent, and a delete of nothing changes nothing).
  await page.locator("#ca-preset").selectOption("stale-set");
  await page.locator("#ca-watch").focus();
  await page.keyboard.press("ArrowDown");
  await expect(page).toHaveURL(/watch=on/);
  await toEnd(page);
  await expect(stat(page, "Stale reads")).toHaveText("1");
  await expect(page.locator(".ca-seq")).toContainText("EXEC");
  // The WATCH preset: C's EXEC replies nil.
  await page.locator("#ca-preset").selectOption("watch");
  await stepUntil(page, "EXEC replies nil");
  // Negative caching: the missing row, cached as none.
  await page.locator("#ca-preset").selectOption("negative");
  await expect(page.locator("#ca-missing")).toHaveValue("on");
  await expect(page.locator("#ca-negative")).toHaveValue("on");
  await stepUntil(page, "A hits and returns none");
  await expect(page.locator(".ca-stores")).toContainText("no row 42");
  await page.locator("#ca-negative").selectOption("off");
  await toEnd(page);
  await expect(stat(page, "Database reads")).toHaveText("4");
  // Stale-while-revalidate serves the stale copy instead of waiting.
  await page.locator("#ca-preset").selectOption("stale-while-revalidate");
  await expect(page.locator("#ca-lease")).toHaveValue("stale");
  await stepUntil(page, "C serves the stale copy v1");
  await expect(page.locator(".ca-stores")).toContainText("user:42:stale");
  // Single flight: two processes, two database reads for four readers.
  await page.locator("#ca-preset").selectOption("single-flight");
  await toEnd(page);
  await expect(stat(page, "Database reads")).toHaveText("2");
  await page.locator("#ca-flight").selectOption("0");
  await toEnd(page);
  await expect(stat(page, "Database reads")).toHaveText("4");
  await page.locator("#ca-flight").selectOption("1");
  await expect(page).toHaveURL(/flight=1/);
  await toEnd(page);
  await expect(stat(page, "Database reads")).toHaveText("1");
  // Cache first, then a crash: a value the database never gets.
  await page.locator("#ca-preset").selectOption("cache-first-crash");
  await stepUntil(page, "the cache holds a value the database never gets");
  expect(errors).toEqual([]);
});

test("a link from before steps took no time opens with a notice", async ({ page }) => {
  await open(page, "policy=update-delete&lease=mutex&ttl_ms=30000&lease_ms=1000&a=read&b=read,read&schedule=a,a,a!,b,b,2s,b,b,b,b");
  await expect(page.locator(".notice")).toContainText("10 ms");
  await expect(page.locator("#ca-lease")).toHaveValue("mutex");
  await toEnd(page);
  await expect(stat(page, "Database reads")).toHaveText("2");
});

test("the visualization fits a phone", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await open(page, `${staleSet}&step=6`);
  await page.locator(".ca").scrollIntoViewIfNeeded();
  await expectNoHorizontalScroll(page);
  await page.locator(".viz").screenshot({ path: "artifacts/screenshots/cache-phone.png" });
  await open(page, "policy=update-tombstone&lease=stale&jitter=0&xfetch=0&ttl_ms=30000&lease_ms=10000&watch=on&missing=on&negative=on&flight=2&warm=off&clock=script&a=read&b=write&c=read&d=read&schedule=a,a,c,c,b,b,a,31s,c,d&step=6");
  await expectNoHorizontalScroll(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: "artifacts/screenshots/cache-desktop.png" });
});

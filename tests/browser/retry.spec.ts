import { test, expect, Page } from "@playwright/test";
import { ready, watchErrors, expectNoHorizontalScroll, topicUrl, topics, markDocument, sameDocument } from "./helpers";

// The retries visualization: the "see it happen" links, the timeline, the
// per-policy table against the run's own totals, the keyboard, controls
// and permalinks, bad URLs, the sweep and the phone layout. The figures
// compared are the page's own, computed by the model in two ways (the
// recorded run and the unrecorded run of each policy); the links are read
// from the page's content file.

const page_ = topics().find((t) => t.slug === "retries-resilience");

/** The query of the content's "see it happen" link named `name`. */
function link(name: string): string {
  const m = page_?.body.match(new RegExp(`\\[${name}\\]\\(topic:retries-resilience\\?([^)#]*)`));
  if (!m) throw new Error(`no link "${name}" in retries-resilience.md`);
  return m[1];
}

/** Opens the retries page with `query`, the model's parameters. */
async function open(page: Page, query: string) {
  await page.goto(topicUrl("retries-resilience", query));
  await ready(page);
  await expect(page.locator(".rt")).toBeVisible();
}

const stepCount = (page: Page) => page.locator(".rt .step-count");
const caption = (page: Page) => page.locator(".rt .player .caption");
const stat = (page: Page, label: string) =>
  page.locator(".rt .stat", { has: page.locator("dt", { hasText: label }) }).locator(".now");
const row = (page: Page, policy: string) => page.locator(`.rt-policies tr[data-policy="${policy}"]`);

/** The totals the last step's caption states: work and completion time. */
async function finalTotals(page: Page): Promise<{ work: string; completion: string }> {
  const text = (await caption(page).textContent()) ?? "";
  const m = text.match(/In all: ([\d,]+) attempts reached the resource for [\d,]+ units \([\d,]+ done, [\d,]+ given up\), the last answered at ([\d.]+ m?s)/);
  if (!m) throw new Error(`no totals in the caption: ${text}`);
  return { work: m[1], completion: m[2] };
}

/** Focuses the page outside any field, so that the player's keys apply. */
async function focusPage(page: Page) {
  await page.locator(".rt .viz-head h2").click();
}

test("the herd link shows its wave, and the policy table agrees with the run's own totals", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, link("Thundering herd after an outage"));
  await expect(stepCount(page)).toHaveText(/^65 \/ \d+$/);
  await expect(page.locator('.rt-preset[data-preset="herd"]')).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator("#rt-policy")).toHaveValue("exponential");
  await expect(caption(page)).toContainText("found the queue full (503; it holds 20)");
  await expect(caption(page)).toContainText("A wave");
  // The timeline: first tries, retries, forty clients of 200.
  await expect(page.locator(".rt-timeline path.rt-first")).toHaveCount(1);
  await expect(page.locator(".rt-timeline path.rt-retry")).toHaveCount(1);
  await expect(page.locator(".rt-shown")).toHaveText("Clients 1\u201340 of 200");
  await page.locator("#rt-later").click();
  await expect(page.locator(".rt-shown")).toHaveText("Clients 41\u201380 of 200");
  await expect(page.locator(".rt-timeline")).toHaveAttribute("aria-label", /Attempts of clients 41 to 80 of 200/);
  // The last step states the run's totals; the table computes every policy
  // again without the recording, and its row for this policy must match.
  await focusPage(page);
  await page.keyboard.press("End");
  const herd = await finalTotals(page);
  await expect(stat(page, "Reached the resource")).toHaveText(herd.work);
  await page.locator("#rt-policies-title").scrollIntoViewIfNeeded();
  await expect(page.locator(".rt-policies tbody tr")).toHaveCount(7);
  await expect(row(page, "exponential")).toHaveClass("current");
  await expect(row(page, "exponential").locator(".rt-work")).toHaveText(herd.work);
  await expect(row(page, "exponential").locator(".rt-completion")).toHaveText(herd.completion);
  const jitterWork = (await row(page, "full-jitter").locator(".rt-work").textContent()) ?? "";
  const jitterTime = (await row(page, "full-jitter").locator(".rt-completion").textContent()) ?? "";
  // The bars say the same figures.
  await expect(page.locator(".rt-bars").first()).toHaveAttribute("aria-label", new RegExp(`Exponential, no jitter ${herd.work}`));
  // The jitter link is the herd with full jitter: its run ends with the
  // figures the herd's table gave for full jitter.
  await open(page, link("Jitter spreads the herd"));
  await expect(page.locator('.rt-preset[data-preset="spread"]')).toHaveAttribute("aria-pressed", "true");
  await focusPage(page);
  await page.keyboard.press("End");
  const spread = await finalTotals(page);
  expect(spread).toEqual({ work: jitterWork, completion: jitterTime });
  await expect(page.locator(".notice")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("the layers and budget links show their point", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, link("Retries at three layers"));
  await expect(page.locator("#rt-layers")).toHaveValue("3");
  await expect(caption(page)).toContainText("attempts per unit, against at most 27");
  await open(page, link("A retry budget stops the collapse"));
  await expect(page.locator(".rt-guards")).toContainText("Retry budget:");
  await expect(page.locator(".rt-strip.rt-tokens")).toBeVisible();
  const success = await stat(page, "Success rate").textContent();
  expect(success).toBe("100%");
  // The timeline marks where each unit ended: during the outage the
  // budget's refusals give units up (crosses), later ones are done
  // (diamonds); the label counts them as the counters do.
  await focusPage(page);
  await page.keyboard.press("End");
  const label = (await page.locator(".rt-timeline").getAttribute("aria-label")) ?? "";
  const ends = label.match(/([\d,]+) units done, ([\d,]+) given up/);
  expect(ends, label).not.toBeNull();
  expect(Number(ends![1].replace(/,/g, ""))).toBeGreaterThan(0);
  expect(Number(ends![2].replace(/,/g, ""))).toBeGreaterThan(0);
  await expect(page.locator(".rt-timeline path.rt-done")).toHaveCount(1);
  await expect(page.locator(".rt-timeline path.rt-cross")).toHaveCount(1);
  await page.keyboard.press("Home");
  // Without the budget the server stays overloaded after the outage.
  await page.locator("#rt-budget").selectOption("off");
  await expect(page).toHaveURL(/budget=off/);
  await expect(page.locator(".rt-guards")).toHaveCount(0);
  await focusPage(page);
  for (let i = 0; i < 20; i++) await page.keyboard.press("ArrowRight");
  await expect(caption(page)).toContainText("found the queue full");
  expect(errors).toEqual([]);
});

test("the keyboard steps the player, but not while typing in a field", async ({ page }) => {
  await open(page, link("Thundering herd after an outage").replace(/step=\d+/, "step=0"));
  await expect(caption(page)).toContainText("Before anything runs: 200 clients");
  await focusPage(page);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(stepCount(page)).toHaveText(/^2 \/ \d+$/);
  await expect(caption(page)).toContainText("50.0 ms\u2013100.0 ms");
  await page.keyboard.press("ArrowLeft");
  await expect(stepCount(page)).toHaveText(/^1 \/ \d+$/);
  await expect(stat(page, "Attempts sent")).toHaveText("200");
  await page.keyboard.press("Home");
  await expect(stepCount(page)).toHaveText(/^0 \/ \d+$/);
  await page.locator("#rt-clients").focus();
  await page.keyboard.press("ArrowRight");
  await expect(stepCount(page)).toHaveText(/^0 \/ \d+$/);
});

test("a control changes the URL, and the permalink reopens the same frame", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "");
  await page.locator("#rt-policy").selectOption("decorrelated");
  await expect(page).toHaveURL(/policy=decorrelated/);
  await expect(page.locator(".rt-preset[aria-pressed=true]")).toHaveCount(0);
  await page.locator("#rt-clients").fill("60");
  await page.locator("#rt-clients").press("Enter");
  await page.locator("#rt-clients").blur();
  await expect(page).toHaveURL(/clients=60/);
  await focusPage(page);
  for (let i = 0; i < 7; i++) await page.keyboard.press("ArrowRight");
  await expect(page).toHaveURL(/step=7(&|$)/);
  const text = (await caption(page).textContent()) ?? "";
  const count = (await stepCount(page).textContent()) ?? "";
  const other = await page.context().newPage();
  await other.goto(page.url());
  await ready(other);
  await expect(other.locator(".rt .step-count")).toHaveText(count);
  await expect(other.locator(".rt .player .caption")).toHaveText(text);
  await expect(other.locator("#rt-policy")).toHaveValue("decorrelated");
  await expect(other.locator("#rt-clients")).toHaveValue("60");
  // A preset button puts its parameters back.
  await page.locator('.rt-preset[data-preset="herd"]').click();
  await expect(page).toHaveURL(/policy=exponential&/);
  await expect(page.locator("#rt-clients")).toHaveValue("200");
  expect(errors).toEqual([]);
});

test("bad URLs open the nearest valid state with a notice", async ({ page }) => {
  const errors = watchErrors(page);
  const cases: [string, string, () => Promise<void>][] = [
    ["policy=bogus", "policy=bogus (not one of", async () => {
      await expect(page.locator("#rt-policy")).toHaveValue("full-jitter");
    }],
    ["clients=abc", "clients=abc (not a whole number", async () => {
      await expect(page.locator("#rt-clients")).toHaveValue("200");
    }],
    ["clients=999999", "clients=999999 (above 1,000; using 1,000)", async () => {
      await expect(page.locator(".rt-shown")).toHaveText("Clients 1\u201340 of 1,000");
    }],
    ["base_ms=500&cap_ms=10", "cap_ms raised to 500", async () => {
      await expect(page.locator("#rt-cap-ms")).toHaveValue("500");
    }],
    ["step=99999", "step=99999", async () => {
      await expect(caption(page)).toContainText("In all:");
    }],
  ];
  for (const [q, message, check] of cases) {
    await open(page, q);
    await expect(page.locator(".notice")).toContainText(message);
    await check();
    await expect(page.locator(".rt-timeline")).toBeVisible();
  }
  expect(errors).toEqual([]);
});

test("the sweep runs when in view, with the chosen runs a point", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "");
  await page.locator("#rt-runs").scrollIntoViewIfNeeded();
  await page.locator("#rt-runs").selectOption("5");
  await expect(page.locator(".rt-sweep-table tbody tr")).toHaveCount(19);
  await expect(page.locator(".rt-claims li")).toHaveCount(6);
  await expect(page.locator(".rt-claims li.waiting")).toHaveCount(0, { timeout: 60_000 });
  await expect(page.locator(".rt-sweep-table td", { hasText: "\u2026" })).toHaveCount(0);
  await expect(page.locator("#rt-sweep-title ~ .hint").first()).toContainText("the mean of 5 runs (seeds 1 to 5)");
  await expect(page.locator(".rt .charts polyline")).toHaveCount(10);
  expect(errors).toEqual([]);
});

test("a 'see it happen' link opens its preset without a reload, and Back returns", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "");
  await markDocument(page);
  await page.locator(".topic-text a", { hasText: "Thundering herd after an outage" }).click();
  await expect(page.locator('.rt-preset[data-preset="herd"]')).toHaveAttribute("aria-pressed", "true");
  await expect(stepCount(page)).toHaveText(/^65 \/ \d+$/);
  expect(await sameDocument(page)).toBe(true);
  await page.goBack();
  await expect(page.locator('.rt-preset[data-preset="spread"]')).toHaveAttribute("aria-pressed", "true");
  await expect(stepCount(page)).toHaveText(/^0 \/ \d+$/);
  expect(await sameDocument(page)).toBe(true);
  // The circuit-breaker page links here too.
  await page.goto(topicUrl("circuit-breaker"));
  await ready(page);
  await page.locator(".topic-text a", { hasText: "Retries behind a client-side breaker" }).click();
  await expect(page.locator(".rt")).toBeVisible();
  await expect(page.locator("#rt-breaker")).toHaveValue("on");
  await expect(page.locator(".rt-guards")).toContainText("Breaker: open");
  await expect(caption(page)).toContainText("were failed fast by the open breaker");
  expect(errors).toEqual([]);
});

test("the visualization fits a phone", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, link("A retry budget stops the collapse"));
  await page.locator(".rt").scrollIntoViewIfNeeded();
  await expectNoHorizontalScroll(page);
  const box = await page.locator(".rt-timeline").boundingBox();
  expect(box?.width ?? 0).toBeGreaterThan(300);
  await page.locator("#rt-sweep-title").scrollIntoViewIfNeeded();
  await expect(page.locator(".rt-policies tbody tr")).toHaveCount(7);
  await expectNoHorizontalScroll(page);
});

import { test, expect, Page } from "@playwright/test";
import { ready, watchErrors, expectNoHorizontalScroll, topicUrl, topicPath, markDocument, sameDocument } from "./helpers";

// The rate-limiter visualization: the presets' links from the page, the
// verdicts per lane, race mode's interleaved commands, the keyboard,
// permalinks, bad URLs and the phone layout. The figures asserted are the
// ones the model gives for the parameters in the URL (the native tests in
// src/app/ratelimit check the same runs).

const race =
  "mode=race&algos=cheat,fixed&limit=3&window_ms=1000&pattern=pairs&clients=1&rps=6&instances=2&seconds=2&seed=1";
const edge =
  "mode=traffic&algos=fixed,log,counter&limit=10&window_ms=1000&pattern=edge&clients=1&rps=10&instances=2&seconds=6&seed=1";

/** Opens the API security page with `query`, the model's parameters. */
async function open(page: Page, query: string) {
  await page.goto(topicUrl("api-security", query));
  await ready(page);
  await expect(page.locator(".rl")).toBeVisible();
}

const stepCount = (page: Page) => page.locator(".step-count");
const caption = (page: Page) => page.locator(".player .caption");
const lane = (page: Page, i: number) => page.locator(".rl-lane").nth(i);
const verdict = (page: Page, i: number) => lane(page, i).locator(".rl-verdict");
const stat = (page: Page, i: number, label: string) =>
  lane(page, i).locator(".stat", { has: page.locator("dt", { hasText: label }) }).locator(".now");
/** Request `k`'s mark (0-based) in lane `i`'s timeline. */
const mark = (page: Page, i: number, k: number) => lane(page, i).locator(`.rl-m[data-k="${k}"]`);

test("the race link: both instances pass at the limit in the cheat sheet's lane, not in the atomic one", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, `${race}&step=12`);
  await expect(stepCount(page)).toHaveText("12 / 28");
  await expect(page.locator(".rl-lane")).toHaveCount(2);
  await expect(lane(page, 0).locator("h3")).toContainText("read then increment");
  await expect(page.locator("#rl-preset-race")).toHaveAttribute("aria-pressed", "true");
  // The cheat sheet's lane: requests 3 and 4 (instances A and B) both read 2 and pass.
  await expect(verdict(page, 0)).toHaveClass(/\bok\b/);
  await expect(verdict(page, 0)).toContainText("GET read 2 (below 3): passed");
  await expect(verdict(page, 0)).toContainText("the count is now 4 of 3: over the limit");
  await expect(mark(page, 0, 2)).toHaveClass(/\bok\b/);
  await expect(mark(page, 0, 3)).toHaveClass(/\bok\b/);
  await expect(mark(page, 0, 3).locator("title")).toContainText("over the limit");
  await expect(stat(page, 0, "In the last 1 s")).toHaveText("4");
  await expect(lane(page, 0).locator(".stat.bad")).toHaveCount(1);
  // Its six commands, interleaved: A and B in turn, the last one B's EXPIRE.
  const conns = lane(page, 0).locator(".rl-cmd .rl-conn");
  await expect(conns).toHaveText(["A", "B", "A", "B", "A", "B"]);
  await expect(lane(page, 0).locator(".rl-cmd.now")).toContainText("EXPIRE");
  await expect(lane(page, 0).locator(".rl-cmd.now .rl-conn")).toHaveText("B");
  await expect(lane(page, 0).locator(".rl-cmd").nth(3)).toContainText("B r4 INCR rl:cheat:0:0 \u2192 (integer) 4");
  // The atomic lane: the first passes, the second is refused.
  await expect(verdict(page, 1)).toHaveClass(/\bno\b/);
  await expect(verdict(page, 1)).toContainText("INCR made this window\u2019s count 4 (over 3): limited");
  await expect(mark(page, 1, 2)).toHaveClass(/\bok\b/);
  await expect(mark(page, 1, 3)).toHaveClass(/\bno\b/);
  await expect(stat(page, 1, "In the last 1 s")).toHaveText("3");
  await expect(caption(page)).toContainText("over the limit");
  await expect(page.locator(".notice")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("the keyboard steps through the race command by command", async ({ page }) => {
  await open(page, `${race}&step=12`);
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  await page.keyboard.press("ArrowLeft");
  await expect(stepCount(page)).toHaveText("11 / 28");
  // Request 4's last command is still to come: its mark is undecided, its EXPIRE pending.
  await expect(mark(page, 0, 3)).toHaveClass(/\bwait\b/);
  await expect(mark(page, 0, 2)).toHaveClass(/\bok\b/);
  await expect(lane(page, 0).locator(".rl-cmd.pending")).toHaveCount(1);
  await expect(lane(page, 0).locator(".rl-cmd.pending")).toContainText("\u2026");
  await page.keyboard.press("Home");
  await expect(stepCount(page)).toHaveText("0 / 28");
  await expect(verdict(page, 0)).toContainText("No request yet");
  await page.keyboard.press("ArrowRight");
  await expect(stepCount(page)).toHaveText("1 / 28");
  await expect(verdict(page, 0)).toContainText("Deciding");
  await expect(caption(page)).toContainText("instance A (client 0) sends GET rl:cheat:0:0");
  await page.keyboard.press("End");
  await expect(stepCount(page)).toHaveText("28 / 28");
  await expect(verdict(page, 0)).toHaveClass(/\bno\b/);
  await expect(page).toHaveURL(/[?&]step=28(&|$)/);
  // Typing in a field does not step.
  await page.locator("#rl-seed").focus();
  await page.keyboard.press("ArrowLeft");
  await expect(stepCount(page)).toHaveText("28 / 28");
});

test("controls change the run and the URL, and the permalink reopens the same frame", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "");
  await page.locator("#rl-preset-edge").click();
  await expect(page).toHaveURL(/pattern=edge/);
  await expect(page.locator(".rl-lane")).toHaveCount(3);
  await expect(page.locator("#rl-preset-edge")).toHaveAttribute("aria-pressed", "true");
  // The fixed window's worst window, from the claims table: twice the limit.
  const fixedRow = page.locator(".rl-claims tbody tr").first();
  await expect(fixedRow).toContainText("20 (client 0");
  await expect(fixedRow.locator("td.bad")).toContainText("2\u00d7 the limit of 10");
  await fixedRow.getByRole("button", { name: /Show the worst window/ }).click();
  await expect(stepCount(page)).toHaveText("20 / 60");
  await expect(stat(page, 0, "In the last 1 s")).toHaveText("20");
  await expect(stat(page, 1, "In the last 1 s")).toHaveText("10");
  await expect(lane(page, 0).locator(".rl-edge").first()).toBeAttached();
  // A click on the whole run's drawing steps to that moment: halfway
  // along its time axis is about 3 s of the 6 s run.
  const whole = page.locator(".rl-overview-wrap");
  const box = await whole.boundingBox();
  const plotMiddle = (46 + (560 - 46 - 12) / 2) / 560;
  await whole.click({ position: { x: (box?.width ?? 0) * plotMiddle, y: 20 } });
  await expect(caption(page)).toContainText(/^At 3\.\d+ s/);
  const halfway = Number(((await stepCount(page).textContent()) ?? "").split(" / ")[0]);
  expect(halfway).toBeGreaterThan(28);
  expect(halfway).toBeLessThan(42);
  await fixedRow.getByRole("button", { name: /Show the worst window/ }).click();
  await expect(stepCount(page)).toHaveText("20 / 60");
  // Another algorithm joins at the end, on the same traffic, at the same step.
  await page.locator("#rl-algo-gcra").check();
  await expect(page).toHaveURL(/algos=fixed,log,counter,gcra/);
  await expect(page.locator(".rl-lane")).toHaveCount(4);
  await expect(lane(page, 3).locator("h3")).toHaveText("4. GCRA");
  await expect(stepCount(page)).toHaveText("20 / 60");
  await expect(page.locator("#rl-burst")).toBeVisible();
  await expect(page.locator("#rl-preset-edge")).toHaveAttribute("aria-pressed", "false");
  // A number field, clamped like the URL reader.
  await page.locator("#rl-limit").fill("0");
  await page.locator("#rl-limit").press("Enter");
  await expect(page.locator("#rl-limit")).toHaveValue("1");
  await expect(page.locator(".rl-settings .form-note")).toContainText("limit=0 (below 1; using 1)");
  await expect(page).toHaveURL(/limit=1&/);
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  for (let i = 0; i < 7; i++) await page.keyboard.press("ArrowRight");
  await expect(stepCount(page)).toHaveText("7 / 60");
  await expect(page).toHaveURL(/[?&]step=7(&|$)/);
  const url = page.url();
  const text = (await caption(page).textContent()) ?? "";
  const v0 = (await verdict(page, 0).textContent()) ?? "";
  const other = await page.context().newPage();
  await other.goto(url);
  await ready(other);
  await expect(other.locator(".step-count")).toHaveText("7 / 60");
  await expect(other.locator(".player .caption")).toHaveText(text);
  await expect(other.locator(".rl-lane").nth(0).locator(".rl-verdict")).toHaveText(v0);
  await expect(other.locator(".rl-lane")).toHaveCount(4);
  await expect(other.locator("#rl-algo-gcra")).toBeChecked();
  expect(errors).toEqual([]);
});

test("every preset opens from its button and the measured claims are shown", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "");
  for (const [slug, lanes] of [["race", 2], ["edge", 3], ["counter-vs-log", 2], ["token-burst", 3], ["gcra", 4], ["abuser", 3]] as const) {
    await page.locator(`#rl-preset-${slug}`).click();
    await expect(page.locator(`#rl-preset-${slug}`)).toHaveAttribute("aria-pressed", "true");
    await expect(page.locator(".rl-lane")).toHaveCount(lanes);
    await expect(page.locator(".rl-claims tbody tr")).toHaveCount(lanes);
    await expect(stepCount(page)).toHaveText(/^0 \/ \d+$/);
  }
  // Counter vs log: the error figure, and the counter's worst window above the limit.
  await page.locator("#rl-preset-counter-vs-log").click();
  await expect(page.locator(".rl-error")).toContainText(/\d\.\d{3}% of 120,000 requests decided otherwise/);
  await expect(page.locator(".rl-claims tbody tr").nth(1).locator("td.good")).toContainText("1\u00d7 the limit of 100");
  await page.locator(".rl-claims tbody tr").first().getByRole("button").click();
  const worst = (await page.locator(".rl-claims tbody tr").first().locator("td strong").textContent()) ?? "";
  await expect(stat(page, 0, "In the last 10 s")).toHaveText(worst);
  expect(Number(worst)).toBeGreaterThan(100);
  expect(errors).toEqual([]);
});

test("a 'see it happen' link opens its preset without a reload", async ({ page }) => {
  await open(page, "");
  await markDocument(page);
  await page.locator(".topic-text a", { hasText: "Twice the limit at a window edge" }).click();
  await expect(page.locator("#rl-preset-edge")).toHaveAttribute("aria-pressed", "true");
  await expect(stepCount(page)).toHaveText("20 / 60");
  await expect(stat(page, 0, "In the last 1 s")).toHaveText("20");
  await expect(page).toHaveURL(new RegExp(`${topicPath("api-security")}\\?`));
  expect(await sameDocument(page)).toBe(true);
  await page.locator(".topic-text a", { hasText: /^The cheat sheet.s race$/ }).click();
  await expect(stepCount(page)).toHaveText("12 / 28");
  await expect(verdict(page, 0)).toContainText("over the limit");
});

test("bad URLs open a sane page with a notice naming what was ignored", async ({ page }) => {
  const errors = watchErrors(page);
  const cases: [string, string, () => Promise<void>][] = [
    ["algos=cheat,nope,cheat", "nope is no algorithm", async () => {
      await expect(page.locator(".rl-lane")).toHaveCount(1);
      await expect(page.locator("#rl-algo-cheat")).toBeChecked();
      await expect(page.locator("#rl-algo-cheat")).toBeDisabled();
    }],
    ["algos=", "none given", async () => {
      await expect(page.locator(".rl-lane")).toHaveCount(5);
    }],
    ["limit=abc&mode=sideways", "mode=sideways", async () => {
      await expect(page.locator("#rl-mode")).toHaveValue("traffic");
      await expect(page.locator("#rl-limit")).toHaveValue("10");
    }],
    ["mode=race&rps=5000&seconds=600", "more than 2,000 requests", async () => {
      await expect(page.locator("#rl-seconds")).toHaveValue("1");
      await expect(page.locator("#rl-rps")).toHaveValue("2000");
    }],
    ["step=99999", "step=99999", async () => {
      await expect(stepCount(page)).toHaveText("600 / 600");
    }],
  ];
  for (const [q, message, check] of cases) {
    await open(page, q);
    await expect(page.locator(".notice")).toContainText(message);
    await check();
    await expect(page.locator(".rl-timeline").first()).toBeVisible();
  }
  expect(errors).toEqual([]);
});

test("the visualization fits a phone", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const q of ["", `${race}&step=12`, `${edge}&step=20`]) {
    await open(page, q);
    await page.locator(".rl").scrollIntoViewIfNeeded();
    await expect(page.locator(".rl-claims")).toBeAttached();
    await expectNoHorizontalScroll(page);
    const box = await page.locator(".rl-timeline").first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(280);
  }
  await page.locator(".viz").screenshot({ path: "artifacts/screenshots/ratelimit-phone.png" });
});

import { test, expect, Page } from "@playwright/test";
import { ready, watchErrors, expectNoHorizontalScroll, topicUrl, topicPath, markDocument, sameDocument } from "./helpers";

// The circuit-breaker visualization: presets, policies, manual calls,
// permalinks, the keyboard, bad URLs and the phone layout. The figures
// asserted follow from the parameters in the URL and the model's rules.

const outage =
  "mode=traffic&policy=count&wait_ms=10000&window=20&min_calls=10&failure_rate=50&slow_rate=100&slow_ms=2000&half_open=3&health=healthy:20,down:30,recovering:20,healthy:30&rate=20&seed=1&tick_ms=1000&latency_ms=50&slow_latency_ms=3000&timeout_ms=5000";

/** Opens the circuit-breaker page with `query`, the model's parameters. */
async function open(page: Page, query: string) {
  await page.goto(topicUrl("circuit-breaker", query));
  await ready(page);
  await expect(page.locator(".bk")).toBeVisible();
}

const stepCount = (page: Page) => page.locator(".step-count");
const caption = (page: Page) => page.locator(".player .caption");
const lane = (page: Page, i: number) => page.locator(".bk-lane").nth(i);
const activeNode = (page: Page, i: number) => lane(page, i).locator(".bk-node.on .bk-name");
const stat = (page: Page, i: number, label: string) =>
  lane(page, i).locator(".stat", { has: page.locator("dt", { hasText: label }) }).locator(".now");

/** Steps forward with the keyboard until the caption says `text`. */
async function stepUntil(page: Page, text: string, max = 150) {
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  for (let i = 0; i < max; i++) {
    if ((await caption(page).textContent())?.includes(text)) return;
    await page.keyboard.press("ArrowRight");
  }
  throw new Error(`no step says "${text}"`);
}

test("a permalink at step k opens frame k, and stepping replaces the URL", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, `${outage}&step=21`);
  await expect(stepCount(page)).toHaveText("21 / 101");
  await expect(page.locator("#bk-preset")).toHaveValue("outage");
  await expect(caption(page)).toContainText("20 s to 21 s (downstream down)");
  await expect(caption(page)).toContainText("the breaker opens and rejects calls for 10 s");
  await expect(activeNode(page, 0)).toHaveText("open");
  await expect(lane(page, 0).locator(".bk-arrow.fired")).toHaveCount(1);
  await expect(lane(page, 0).locator(".bk-rule.fired")).toHaveText("50% \u2265 50% failed");
  await expect(lane(page, 0).locator(".bk-meter.over")).toHaveCount(1);
  await expect(lane(page, 0).locator(".bk-window-label")).toContainText("window: 20 calls, 50% failed");
  await expect(page.locator(".notice")).toHaveCount(0);
  const entries = await page.evaluate(() => history.length);
  await page.getByRole("button", { name: "Step back" }).click();
  await expect(stepCount(page)).toHaveText("20 / 101");
  await expect(activeNode(page, 0)).toHaveText("closed");
  await expect(page).toHaveURL(/[?&]step=20(&|$)/);
  expect(await page.evaluate(() => history.length)).toBe(entries);
  // The URL opens the same frame in a fresh page.
  const url = page.url();
  const other = await page.context().newPage();
  await other.goto(url);
  await ready(other);
  await expect(other.locator(".step-count")).toHaveText("20 / 101");
  await expect(other.locator(".player .caption")).toHaveText((await caption(page).textContent()) ?? "");
  expect(errors).toEqual([]);
});

test("the keyboard drives the player, but not while typing in a field", async ({ page }) => {
  await open(page, `${outage}&step=0`);
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(stepCount(page)).toHaveText("2 / 101");
  await page.keyboard.press("End");
  await expect(stepCount(page)).toHaveText("101 / 101");
  await expect(activeNode(page, 0)).toHaveText("closed");
  await page.keyboard.press("Home");
  await expect(stepCount(page)).toHaveText("0 / 101");
  await expect(caption(page)).toContainText("Nothing has run yet");
  await page.keyboard.press(" ");
  await expect(page.getByRole("button", { name: "Pause" })).toBeVisible();
  await page.keyboard.press(" ");
  await expect(page.getByRole("button", { name: "Play" })).toBeVisible();
  // Typing in a field does not step.
  const before = await stepCount(page).textContent();
  await page.locator("#bk-rate").focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("Home");
  await expect(stepCount(page)).toHaveText(before ?? "");
  // The controls are reachable by Tab, and a select changes by keys.
  await page.locator("#bk-policy").focus();
  await page.keyboard.press("ArrowUp");
  await expect(page.locator("#bk-policy")).toHaveValue("consecutive");
  await expect(lane(page, 0).locator("h3")).toHaveText("Consecutive failures (pybreaker)");
});

test("the outage preset: open while down, trials fail, then close after recovery", async ({ page }) => {
  await open(page, "");
  await page.locator("#bk-preset").selectOption("outage");
  await stepUntil(page, "the breaker opens");
  await expect(activeNode(page, 0)).toHaveText("open");
  await stepUntil(page, "goes half-open");
  await expect(caption(page)).toContainText("trial calls failed");
  await stepUntil(page, "trial calls succeeded");
  await expect(activeNode(page, 0)).toHaveText("closed");
  await expect(stat(page, 0, "Time to recovery")).not.toHaveText("\u2013");
  await expect(page.locator(".bk-summary")).toContainText("spared");
  await expect(page.locator(".bk-load")).toBeVisible();
});

test("every preset opens from the scenario list and shows its point", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "");
  // Flapping: pybreaker beside a count window; both open and close again.
  await page.locator("#bk-preset").selectOption("flapping");
  await expect(page).toHaveURL(/policy=consecutive&compare=count/);
  await expect(page.locator(".bk-lane")).toHaveCount(2);
  await stepUntil(page, "consecutive failures reached fail_max = 5");
  await expect(caption(page)).toContainText("CircuitBreakerError");
  await stepUntil(page, "the trial call succeeded");
  await expect(activeNode(page, 0)).toHaveText("closed");
  // Slow: the slow-call rate trips resilience4j; pybreaker never opens.
  await page.locator("#bk-preset").selectOption("slow");
  await stepUntil(page, "slow-call threshold");
  await expect(activeNode(page, 0)).toHaveText("open");
  await expect(activeNode(page, 1)).toHaveText("closed");
  await page.keyboard.press("End");
  await expect(stat(page, 1, "Rejected")).toHaveText("0");
  // Pitfall: the never-reset count opens on rare errors, pybreaker does not.
  await page.locator("#bk-preset").selectOption("pitfall");
  await expect(lane(page, 0).locator("h3")).toContainText("cheat sheet");
  await stepUntil(page, "never resets its count while closed");
  await expect(activeNode(page, 0)).toHaveText("open");
  await expect(activeNode(page, 1)).toHaveText("closed");
  await page.keyboard.press("End");
  await expect(stat(page, 1, "Rejected")).toHaveText("0");
  await expect(stat(page, 0, "Rejected")).not.toHaveText("0");
  // Manual: the fifth failure opens the cheat sheet's breaker only.
  await page.locator("#bk-preset").selectOption("manual");
  await expect(page.locator(".bk-action")).toHaveCount(12);
  await expect(page.locator(".bk-load")).toHaveCount(0);
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  for (let i = 0; i < 9; i++) await page.keyboard.press("ArrowRight");
  await expect(stepCount(page)).toHaveText("9 / 12");
  await expect(activeNode(page, 0)).toHaveText("closed");
  await expect(activeNode(page, 1)).toHaveText("open");
  await expect(lane(page, 1).locator(".bk-rule.fired")).toHaveText("5 failures in all");
  await expect(page.locator(".bk-action.current")).toContainText("Call: fails");
  expect(errors).toEqual([]);
});

test("every policy shows its own settings and trip rule", async ({ page }) => {
  await open(page, `${outage}&step=0`);
  const cases: [string, string, string[], string[]][] = [
    ["consecutive", "5 failures in a row", ["#bk-fail-max", "#bk-successes"], ["#bk-window", "#bk-min-calls"]],
    ["count", "\u2265 50% failed", ["#bk-window", "#bk-min-calls", "#bk-half-open"], ["#bk-fail-max", "#bk-window-s"]],
    ["time", "\u2265 50% failed", ["#bk-window-s", "#bk-slow-ms"], ["#bk-window", "#bk-successes"]],
    ["cheat-sheet", "5 failures in all", ["#bk-fail-max"], ["#bk-successes", "#bk-min-calls"]],
    ["opossum", "> 50% of fires failed", ["#bk-volume", "#bk-rolling-ms", "#bk-buckets", "#bk-failure-rate"], ["#bk-fail-max", "#bk-window", "#bk-min-calls"]],
  ];
  for (const [policy, rule, shown, hidden] of cases) {
    await page.locator("#bk-policy").selectOption(policy);
    await expect(page).toHaveURL(new RegExp(`policy=${policy}`));
    await expect(lane(page, 0).locator(".bk-rule").first()).toHaveText(rule);
    for (const id of shown) await expect(page.locator(id)).toBeVisible();
    for (const id of hidden) await expect(page.locator(id)).toBeHidden();
    await stepUntil(page, "At ");
    await expect(caption(page)).toContainText(policy === "time" || policy === "count" ? "in the window failed" : "fail");
    await page.keyboard.press("Home");
  }
  // A setting changes the run and is clamped like the URL reader.
  await page.locator("#bk-policy").selectOption("count");
  await page.locator("#bk-failure-rate").fill("250");
  await page.locator("#bk-failure-rate").press("Enter");
  await expect(page.locator("#bk-failure-rate")).toHaveValue("100");
  await expect(page.locator(".form-note").last()).toContainText("failure_rate=250 (above 100; using 100)");
  await expect(page).toHaveURL(/failure_rate=100/);
  await expect(page.locator("#bk-preset")).toHaveValue("custom");
});

test("pybreaker's lock: calls sent in the background wait their turn, shown step by step", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "");
  await page.locator("#bk-preset").selectOption("lock");
  await expect(page).toHaveURL(/script=fail,fail,wait1s,~slow,wait100ms,~ok,~ok,~fail/);
  await expect(page.locator(".bk-lane")).toHaveCount(2);
  await expect(page.locator(".bk-action").nth(3)).toContainText("in the background");
  // Step 6: the second call sent while the slow trial holds the lock.
  await page.locator("body").click({ position: { x: 5, y: 300 } });
  for (let i = 0; i < 7; i++) await page.keyboard.press("ArrowRight");
  await expect(stepCount(page)).toHaveText("7 / 15");
  await expect(caption(page)).toContainText("waits its turn (2 calls waiting)");
  await expect(stat(page, 0, "Waiting for the lock")).toHaveText("2");
  await expect(lane(page, 0).locator(".bk-marks.m6")).toHaveCount(1);
  await expect(lane(page, 0).locator(".bk-timeline")).toHaveAttribute("aria-label", /2 waiting for the lock/);
  // opossum, beside it, lets its one trial through and rejects the rest.
  await expect(lane(page, 1).locator("h3")).toHaveText("Error percentage (opossum)");
  await expect(activeNode(page, 1)).toHaveText("half-open");
  await expect(stat(page, 1, "Rejected")).toHaveText("3");
  await expect(lane(page, 1).locator(".bk-meter")).toContainText("Error percentage");
  // The trial decides at 4.1 s; the queued calls then run in turn.
  await stepUntil(page, "got pybreaker\u2019s lock in turn");
  await expect(stat(page, 0, "Waiting for the lock")).toHaveText("0");
  await expect(activeNode(page, 0)).toHaveText("closed");
  // The second slow call holds the lock while two failures wait: the
  // breaker trips only once they run.
  await page.keyboard.press("End");
  await expect(activeNode(page, 0)).toHaveText("open");
  await expect(lane(page, 0).locator(".bk-rule.fired")).toHaveText("2 failures in a row");
  expect(errors).toEqual([]);
});

test("client errors: excluded each library's way, and sent by hand with a duration in the background", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "");
  await page.locator("#bk-preset").selectOption("client-errors");
  await expect(page).toHaveURL(/exclude=on/);
  await expect(page.locator("#bk-exclude")).toBeChecked();
  await stepUntil(page, "10 s to 11 s");
  for (let i = 0; i < 20; i++) await page.keyboard.press("ArrowRight");
  // 60% of calls are 404s; neither breaker opens on them.
  await expect(activeNode(page, 0)).toHaveText("closed");
  await expect(activeNode(page, 1)).toHaveText("closed");
  await expect(lane(page, 0).locator(".bk-marks.m3")).toHaveCount(1);
  // Counted as failures, they open resilience4j's breaker.
  await page.locator("#bk-exclude").uncheck();
  await expect(page).not.toHaveURL(/exclude=on/);
  await stepUntil(page, "in the window failed");
  await expect(caption(page)).toContainText("(downstream healthy (60% client errors))");
  await expect(activeNode(page, 0)).toHaveText("open");
  // By hand: a 4xx with its own duration, in the background.
  await page.locator("#bk-mode").selectOption("manual");
  await page.locator("#bk-background").check();
  await page.locator("#bk-duration").fill("800");
  await page.locator("#bk-duration").press("Enter");
  await page.locator("#bk-add-client").click();
  await expect(page).toHaveURL(/~client:800ms(&|$)/);
  await expect(page.locator(".bk-action").last()).toContainText("Call: client error, 0.8 s, in the background");
  await expect(caption(page)).toContainText("a call answered with a client error is sent in the background");
  await expect(caption(page)).toContainText("in flight until");
  expect(errors).toEqual([]);
});

test("manual mode: send calls, wait, reorder by keyboard, share and reopen", async ({ page, context }) => {
  await open(page, "mode=manual&policy=consecutive&fail_max=3&wait_ms=5000&script=");
  await expect(page.locator(".bk-action")).toHaveCount(0);
  await expect(stepCount(page)).toHaveText("0 / 0");
  const send = (name: string) => page.getByRole("button", { name, exact: true }).click();
  for (let i = 0; i < 3; i++) await send("Send a failure");
  await expect(stepCount(page)).toHaveText("3 / 3");
  await expect(caption(page)).toContainText("3 consecutive failures reached fail_max = 3");
  await expect(activeNode(page, 0)).toHaveText("open");
  await send("Send a success");
  await expect(caption(page)).toContainText("rejected at once");
  await expect(stat(page, 0, "Rejected")).toHaveText("1");
  await page.getByRole("spinbutton", { name: "Seconds to wait" }).fill("5");
  await page.getByRole("spinbutton", { name: "Seconds to wait" }).press("Tab");
  await send("Wait");
  await send("Send a success");
  await expect(caption(page)).toContainText("(a trial)");
  await expect(activeNode(page, 0)).toHaveText("closed");
  await expect(page).toHaveURL(/script=fail,fail,fail,ok,wait5s,ok/);
  // Move the first success (action 4) up by keyboard: now a success breaks
  // the streak and the breaker never opens.
  await page.getByRole("button", { name: "Move action 4 up" }).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/script=fail,fail,ok,fail,wait5s,ok/);
  await expect(page.getByRole("button", { name: "Move action 3 up" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/script=fail,ok,fail,fail,wait5s,ok/);
  await expect(page.locator(".bk-action").nth(1)).toContainText("Call: succeeds");
  await page.keyboard.press("End");
  await expect(stat(page, 0, "Changes of state")).toHaveText("0");
  await expect(activeNode(page, 0)).toHaveText("closed");
  // Remove an action; the list and the URL follow.
  await page.getByRole("button", { name: "Remove action 5" }).click();
  await expect(page.locator(".bk-action")).toHaveCount(5);
  await expect(page).toHaveURL(/script=fail,ok,fail,fail,ok(&|$)/);
  // Clicking an action shows its step.
  await page.locator(".bk-action-go").nth(2).click();
  await expect(stepCount(page)).toHaveText("3 / 5");
  await expect(page).toHaveURL(/step=3/);
  // The permalink reopens the same frame in a fresh browser.
  const url = page.url();
  const fresh = await (await context.browser()!.newContext()).newPage();
  await fresh.goto(url);
  await ready(fresh);
  await expect(fresh.locator(".step-count")).toHaveText("3 / 5");
  await expect(fresh.locator(".bk-action")).toHaveCount(5);
  await expect(fresh.locator(".player .caption")).toHaveText((await caption(page).textContent()) ?? "");
});

test("the health timeline editor changes the traffic", async ({ page }) => {
  await open(page, `${outage}&step=0`);
  await expect(page.locator(".bk-phase-row")).toHaveCount(4);
  await page.getByRole("spinbutton", { name: "Phase 2: seconds" }).fill("10");
  await page.getByRole("spinbutton", { name: "Phase 2: seconds" }).press("Enter");
  await expect(page).toHaveURL(/health=healthy:20,down:10,recovering:20,healthy:30/);
  await expect(stepCount(page)).toHaveText("0 / 81");
  await page.getByLabel("Phase 2: health").selectOption("degraded");
  await expect(page).toHaveURL(/health=healthy:20,degraded20:10,/);
  await page.getByRole("spinbutton", { name: "Phase 2: error rate in percent" }).fill("70");
  await page.getByRole("spinbutton", { name: "Phase 2: error rate in percent" }).press("Enter");
  await expect(page).toHaveURL(/degraded70:10/);
  await page.getByRole("button", { name: "Add a phase" }).click();
  await expect(page.locator(".bk-phase-row")).toHaveCount(5);
  await expect(page).toHaveURL(/healthy:30,healthy:20/);
  await page.getByRole("button", { name: "Remove phase 1" }).click();
  await expect(page).toHaveURL(/health=degraded70:10,recovering:20,healthy:30,healthy:20/);
  await expect(page.locator(".bk-load .bk-phase")).toHaveCount(2);
});

test("bad URLs open the nearest valid state with a notice naming what was ignored", async ({ page }) => {
  const errors = watchErrors(page);
  const cases: [string, string, () => Promise<void>][] = [
    ["policy=bogus", "policy=bogus (not one of", async () => {
      await expect(page.locator("#bk-policy")).toHaveValue("count");
    }],
    ["fail_max=0&policy=consecutive", "fail_max=0 (below 1; using 1)", async () => {
      await expect(page.locator("#bk-fail-max")).toHaveValue("1");
    }],
    ["health=down:20,nope:5,slow:x", "nope:5", async () => {
      await expect(page.locator(".bk-phase-row")).toHaveCount(1);
    }],
    ["mode=manual&script=ok,boom,fail", "\u201cboom\u201d", async () => {
      await expect(page.locator(".bk-action")).toHaveCount(2);
    }],
    ["step=99999", "step=99999 (this run has steps 0 to 101", async () => {
      await expect(stepCount(page)).toHaveText("101 / 101");
    }],
    ["rate=%FF%FE%00", "(not a whole number", async () => {
      await expect(page.locator("#bk-rate")).toHaveValue("20");
    }],
  ];
  for (const [q, message, check] of cases) {
    await open(page, q);
    await expect(page.locator(".notice")).toContainText(message);
    await check();
  }
  await page.locator(".notice button").click();
  await expect(page.locator(".notice")).toHaveCount(0);
  await expect(page.locator(".bk-diagram").first()).toBeVisible();
  expect(errors).toEqual([]);
});

test("a 'see it happen' link opens its preset without a reload, and Back returns", async ({ page }) => {
  await open(page, "");
  await markDocument(page);
  const entries = await page.evaluate(() => history.length);
  await page.locator(".topic-text a", { hasText: "The never-reset counter" }).click();
  await expect(page.locator("#bk-preset")).toHaveValue("pitfall");
  await expect(stepCount(page)).toHaveText("14 / 121");
  await expect(activeNode(page, 0)).toHaveText("open");
  await expect(page).toHaveURL(new RegExp(`${topicPath("circuit-breaker")}\\?`));
  expect(await sameDocument(page)).toBe(true);
  expect(await page.evaluate(() => history.length)).toBe(entries + 1);
  await page.goBack();
  await expect(page.locator("#bk-preset")).toHaveValue("outage");
  await expect(page.locator(".notice")).toHaveCount(0);
  expect(await sameDocument(page)).toBe(true);
  await page.goForward();
  await expect(page.locator("#bk-preset")).toHaveValue("pitfall");
  await expect(stepCount(page)).toHaveText("14 / 121");
});

test("an old link opens the new address at the same frame", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, `${outage}&step=21`);
  const wanted = (await caption(page).textContent()) ?? "";
  expect(wanted).toContain("the breaker opens");
  await page.getByRole("button", { name: "Step forward" }).click();
  await expect(page).toHaveURL(/step=22/);
  await page.goto(`./?topic=circuit-breaker&${outage}&step=21`);
  await ready(page);
  await expect(page).toHaveURL(new RegExp(`${topicPath("circuit-breaker")}\\?mode=traffic&(.*&)?step=21(&|$)`));
  expect(page.url()).not.toContain("topic=");
  await expect(stepCount(page)).toHaveText("21 / 101");
  await expect(caption(page)).toHaveText(wanted);
  await expect(page.locator("#bk-preset")).toHaveValue("outage");
  await expect(page.locator(".notice")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("the visualization fits a phone", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await open(page, `mode=traffic&policy=consecutive&compare=count&health=healthy:12,down:4,healthy:12&step=13`);
  await page.locator(".bk").scrollIntoViewIfNeeded();
  await expectNoHorizontalScroll(page);
  await expect(page.locator(".bk-lane")).toHaveCount(2);
  const box = await page.locator(".bk-diagram").first().boundingBox();
  expect(box?.width ?? 0).toBeGreaterThan(250);
  await page.locator(".viz").screenshot({ path: "artifacts/screenshots/breaker-phone.png" });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.screenshot({ path: "artifacts/screenshots/breaker-desktop.png" });
});

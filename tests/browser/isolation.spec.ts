import { test, expect, Page } from "@playwright/test";
import { autocommitPattern } from "./links.cjs";
import { ready, watchErrors, expectNoHorizontalScroll, topicUrl, topicPath, markDocument, sameDocument } from "./helpers";

// The isolation lab: every preset at every level against the matrix the
// engine computes, a schedule written, reordered, stepped and shared, a
// wait and a deadlock, the matrix's links, the keyboard, bad URLs and the
// phone layout.

/** Opens the ACID page with `query`, the lab's parameters. */
async function open(page: Page, query: string) {
  await page.goto(topicUrl("acid", query));
  await ready(page);
  await expect(page.locator(".iso")).toBeVisible();
}

const caption = (page: Page) => page.locator(".player .caption");
const stepCount = (page: Page) => page.locator(".step-count");
const verdict = (page: Page) => page.locator(".iso-verdict h4");

/** Steps forward until the caption says `text`. */
async function stepUntil(page: Page, text: string, max = 30) {
  for (let i = 0; i < max; i++) {
    if ((await caption(page).textContent())?.includes(text)) return;
    await page.getByRole("button", { name: "Step forward" }).click();
  }
  throw new Error(`no step says "${text}"`);
}

test("each preset at each level shows the verdict of the engine's matrix", async ({ page }) => {
  test.setTimeout(360_000);
  const errors = watchErrors(page);
  for (const profile of ["postgres", "innodb", "textbook"]) {
    await open(page, `profile=${profile}&matrix=on`);
    const table = page.locator(".iso-matrix-table");
    await expect(table).toBeVisible();
    // A group of rows per level; in the profile's column, for each anomaly
    // the presets that showed it at that level.
    const levels: string[] = [];
    const expected = new Map<string, string>();
    const groups = table.locator("tbody");
    for (let g = 0; g < (await groups.count()); g++) {
      const group = groups.nth(g);
      const level = (await group.locator('th[scope="rowgroup"]').textContent())!.trim();
      levels.push(level);
      const anomalyRows = group.locator("tr:has(th[scope=row])");
      for (let r = 0; r < (await anomalyRows.count()); r++) {
        const row = anomalyRows.nth(r);
        const anomaly = (await row.locator('th[scope="row"]').textContent())!.trim();
        for (const name of await row.locator(`td[data-profile="${profile}"] a`).allTextContents()) {
          expected.set(`${level}|${name}`, anomaly);
        }
      }
    }
    expect(expected.size).toBeGreaterThan(5);
    await page.locator("#iso-matrix-close").click();
    await expect(page.locator("#iso-matrix")).not.toHaveAttribute("open", "");
    // The focus is back on the button that opened it (which scrolls the
    // page) before the sweep clicks anything.
    await expect(page.locator("#iso-matrix-open")).toBeFocused();
    const presets = (await page.locator("#iso-preset option").evaluateAll((os) =>
      os.map((o) => (o as HTMLOptionElement).value))).filter((v) => v !== "custom");
    expect(presets.length).toBeGreaterThanOrEqual(14);
    const levelValues = await page.locator("#iso-level option").evaluateAll((os) =>
      os.map((o) => [(o as HTMLOptionElement).value, o.textContent!.trim()]));
    expect(levelValues.map((l) => l[1])).toEqual(levels);
    for (const [value, label] of levelValues) {
      await page.locator("#iso-level").selectOption(value);
      for (const name of presets) {
        await page.locator("#iso-preset").selectOption(name);
        await page.getByRole("button", { name: "Last step" }).click();
        const want = expected.get(`${label}|${name}`);
        const words = (want ?? "serializable").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        await expect(verdict(page), `${name} at ${label} (${profile})`).toContainText(new RegExp(words, "i"));
      }
    }
  }
  expect(errors).toEqual([]);
});

test("a schedule typed in, reordered, stepped, shared and reopened", async ({ page, context }) => {
  const errors = watchErrors(page);
  await open(page, "s1=&s2=");
  await expect(page.locator("#iso-preset")).toHaveValue("custom");
  await page.locator("#iso-new-0").fill("update test set value = value + 5 where id = 1");
  await page.locator("#iso-new-0").press("Enter");
  await expect(page.locator("#iso-q-0-0")).toHaveValue("update test set value = value + 5 where id = 1");
  await expect(page.locator("#iso-new-0")).toBeFocused();
  await page.locator("#iso-new-0").fill("commit");
  await page.locator("#iso-new-0").press("Enter");
  await page.locator("#iso-new-1").fill("select * from test where id = 1; commit");
  await page.locator("#iso-new-1").press("Enter");
  await expect(page.locator("#iso-schedule-text")).toHaveValue("1 1 2 2");
  // A statement outside the subset shows its error at its position.
  await page.locator("#iso-new-1").fill("selct 1");
  await page.locator("#iso-new-1").press("Enter");
  await expect(page.locator(".iso-ed .iso-parse .iso-at")).toHaveText("s");
  await expect(page.locator("#iso-q-1-2")).toHaveAttribute("aria-invalid", "true");
  await page.locator("#iso-q-1-2-remove").click();
  await expect(page.locator(".iso-ed .iso-parse")).toHaveCount(0);
  // The interleaving as text, then by the arrows, then by dragging.
  await page.locator("#iso-schedule-text").fill("1 2 1 2");
  await page.locator("#iso-schedule-text").press("Enter");
  await expect(page).toHaveURL(/schedule=1,2,1,2/);
  await page.locator("#iso-s-1-up").click();
  await expect(page.locator("#iso-schedule-text")).toHaveValue("2 1 1 2");
  await expect(page.locator("#iso-s-0-down")).toBeFocused();
  await page.locator(".iso-schedule li").nth(3).dragTo(page.locator(".iso-schedule li").nth(1));
  await expect(page.locator("#iso-schedule-text")).toHaveValue("2 2 1 1");
  await expect(page).toHaveURL(/schedule=2,2,1,1/);
  // Stepped: session 2 reads 10 and commits before session 1 writes.
  await page.getByRole("button", { name: "First step" }).click();
  await stepUntil(page, "Session 2 runs \u201cselect * from test where id = 1\u201d");
  await expect(caption(page)).toContainText("it reads id 1 = 10");
  await page.getByRole("button", { name: "Last step" }).click();
  await expect(verdict(page)).toContainText("Serializable");
  await page.getByRole("button", { name: "Step back" }).click();
  await expect(stepCount(page)).toHaveText("3 / 4");
  await expect(page).toHaveURL(/step=3/);
  const url = page.url();
  expect(url).toContain("s1=update%20test%20set%20value%20%3D%20value%20%2B%205%20where%20id%20%3D%201%3Bcommit");
  const again = await context.newPage();
  await again.goto(url);
  await ready(again);
  await expect(again.locator("#iso-schedule-text")).toHaveValue("2 2 1 1");
  await expect(again.locator(".step-count")).toHaveText("3 / 4");
  await expect(again.locator(".player .caption")).toHaveText((await caption(page).textContent())!);
  await expect(again.locator(".notice")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("a blocked statement waits and completes; a deadlock is reported", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "profile=postgres&level=read-committed&preset=P4&step=4");
  await expect(page.locator(".iso-stmt.waiting")).toContainText("Waiting for session 1 (T1)");
  await expect(page.locator(".iso-wait-line")).toHaveCount(1);
  await expect(page.locator(".iso-box.waiting")).toContainText("Session 2");
  await page.getByRole("button", { name: "Step forward" }).click();
  await expect(page.locator(".iso-wait-line")).toHaveCount(0);
  await expect(page.locator(".iso-stmt.released")).toContainText("1 row changed");
  await expect(caption(page)).toContainText("now completes");
  await page.getByRole("button", { name: "Last step" }).click();
  await expect(verdict(page)).toContainText("Lost update");
  await expect(page.locator(".iso-graph .iso-dep.cycle")).not.toHaveCount(0);
  // Repeatable read: the same wait ends in PostgreSQL's serialization error.
  await page.locator("#iso-level").selectOption("repeatable-read");
  await page.getByRole("button", { name: "Last step" }).click();
  await expect(page.locator(".iso-stmt.error .iso-err")).toContainText("could not serialize access due to concurrent update");
  await expect(verdict(page)).toContainText("Serializable");
  // The deadlock.
  await page.locator("#iso-preset").selectOption("deadlock");
  await stepUntil(page, "deadlock detected");
  await expect(page.locator(".iso-stmt .iso-err", { hasText: "deadlock detected" })).toHaveCount(1);
  await expect(page.locator(".iso-seen")).toContainText("Its transaction failed: every query is refused until ROLLBACK.");
  await expect(page.locator(".iso-box.failed")).toContainText("Session 2");
  expect(errors).toEqual([]);
});

test("the matrix's cells open their preset at their level; the export reads as SQL", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "matrix=on");
  await expect(page.locator("#iso-matrix")).toHaveAttribute("open", "");
  await markDocument(page);
  const entries = await page.evaluate(() => history.length);
  await page.getByRole("link", { name: "G2-item at Repeatable read (PostgreSQL)" }).click();
  await expect(page).toHaveURL(new RegExp(`${topicPath("acid")}\\?profile=postgres&level=repeatable-read&preset=G2-item`));
  // The cell changed the lab's state in place, with a history entry.
  expect(await sameDocument(page)).toBe(true);
  expect(await page.evaluate(() => history.length)).toBe(entries + 1);
  await expect(page.locator("#iso-preset")).toHaveValue("G2-item");
  await expect(page.locator("#iso-level")).toHaveValue("repeatable-read");
  // The focus went to the preset the cell chose, at the top of the lab.
  await expect(page.locator("#iso-preset")).toBeFocused();
  await page.getByRole("button", { name: "Last step" }).click();
  await expect(verdict(page)).toContainText("Write skew");
  // The cell's link closed the matrix; the button opens it again, Esc
  // closes it, and the focus goes back to the button.
  await expect(page.locator("#iso-matrix")).not.toHaveAttribute("open", "");
  await page.locator("#iso-matrix-open").click();
  await expect(page).toHaveURL(/matrix=on/);
  await expect(page.locator("#iso-matrix")).toHaveAttribute("open", "");
  await page.keyboard.press("Escape");
  await expect(page).not.toHaveURL(/matrix=on/);
  await expect(page.locator("#iso-matrix-open")).toBeFocused();
  await page.locator("#iso-matrix-open").press("Enter");
  await expect(page.locator("#iso-matrix")).toHaveAttribute("open", "");
  await page.getByRole("link", { name: "P4 at Read uncommitted (Textbook locking)" }).click();
  await expect(page.locator("#iso-profile")).toHaveValue("textbook");
  await expect(page.locator("#iso-level")).toHaveValue("read-uncommitted");
  await expect(page.locator("#iso-preset")).toBeFocused();
  // Export.
  await page.locator(".iso-export summary").click();
  const sql = page.locator(".iso-sql-export");
  await expect(sql).toContainText("CREATE TABLE test (id int PRIMARY KEY, value int);");
  await expect(sql).toContainText("BEGIN ISOLATION LEVEL READ UNCOMMITTED;  -- step 0");
  await expect(sql).toContainText("-- Session 2");
  // Every level side by side, computed once the table comes into view.
  await page.locator(".iso-compare-wrap").scrollIntoViewIfNeeded();
  await expect(page.locator(".iso-compare tbody tr")).toHaveCount(4);
  // Back returns to the earlier cell's state, in the same document.
  await page.goBack();
  await expect(page.locator("#iso-profile")).toHaveValue("postgres");
  await expect(page.locator("#iso-level")).toHaveValue("repeatable-read");
  await expect(page.locator("#iso-preset")).toHaveValue("G2-item");
  expect(await sameDocument(page)).toBe(true);
  expect(errors).toEqual([]);
});

test("each engine's own rules: InnoDB's gap and lock waits, PostgreSQL's plans and SIREAD locks", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "profile=innodb&level=repeatable-read&preset=gap-lock&step=2");
  await expect(caption(page)).toContainText("holds a lock on a gap between rows");
  const locks = page.locator(".iso-locks");
  await expect(locks).toContainText("holds an X next-key lock on the supremum (every key above the last row)");
  await expect(locks).toContainText("waits for an insert-intention lock on the gap above the last row");
  // Lock waits off: the insert fails at once, and only the statement is undone.
  await page.locator("#iso-lock-wait").selectOption("nowait");
  // A setting changed starts the run again from step 0.
  await expect(page).toHaveURL(/lock_wait=nowait&step=0/);
  await stepUntil(page, "Session 2 runs");
  await expect(caption(page)).toContainText("ERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction");
  await expect(caption(page)).toContainText("the transaction stays open");
  await expect(page.locator(".iso-export summary")).toHaveText("Export: try it in 2 real mariadb (or mysql) sessions");
  await page.locator(".iso-export summary").click();
  const sql = page.locator(".iso-sql-export");
  await expect(sql).toContainText("ENGINE=InnoDB");
  await expect(sql).toContainText("SET SESSION innodb_lock_wait_timeout = 0;");
  await expect(sql).toContainText("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; START TRANSACTION;  -- step 0");
  // PostgreSQL: the setting goes with the profile; its own is the planner.
  await page.locator("#iso-profile").selectOption("postgres");
  await expect(page.locator("#iso-lock-wait")).toHaveCount(0);
  await expect(page).not.toHaveURL(/lock_wait/);
  await open(page, "profile=postgres&level=serializable&preset=key-updates&step=2");
  await expect(caption(page)).toContainText("(plan: Index Scan using test_pkey on test)");
  await expect(locks).toContainText("tuple (0,2) of test, the version id 2 = 20");
  await page.getByRole("button", { name: "Last step" }).click();
  await expect(caption(page)).toContainText("T2 commits");
  await page.locator("#iso-planner").selectOption("seqscan");
  await expect(page).toHaveURL(/planner=seqscan/);
  await page.getByRole("button", { name: "Last step" }).click();
  await expect(caption(page)).toContainText("could not serialize access due to read/write dependencies among transactions");
  await page.getByRole("button", { name: "First step" }).click();
  await page.getByRole("button", { name: "Step forward" }).click();
  await expect(caption(page)).toContainText("(plan: Seq Scan on test)");
  await expect(locks).toContainText("Session 1: the whole table test");
  expect(errors).toEqual([]);
});

test("an old link opens the new address at the same frame", async ({ page }) => {
  const errors = watchErrors(page);
  const q = "profile=postgres&level=repeatable-read&preset=P4&step=5";
  await open(page, q);
  const wanted = (await caption(page).textContent()) ?? "";
  const count = (await stepCount(page).textContent()) ?? "";
  expect(count).toMatch(/^5 \//);
  await page.getByRole("button", { name: "Step back" }).click();
  await expect(page).toHaveURL(/step=4/);
  await page.goto(`./?topic=acid&${q}`);
  await ready(page);
  await expect(page).toHaveURL(new RegExp(`${topicPath("acid")}\\?profile=postgres&(.*&)?step=5(&|$)`));
  expect(page.url()).not.toContain("topic=");
  await expect(stepCount(page)).toHaveText(count);
  await expect(caption(page)).toHaveText(wanted);
  await expect(page.locator("#iso-level")).toHaveValue("repeatable-read");
  await expect(page.locator("#iso-preset")).toHaveValue("P4");
  await expect(page.locator(".notice")).toHaveCount(0);
  expect(errors).toEqual([]);
});

test("keyboard only: choose, edit, reorder and step", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "preset=G0");
  // Tab until the level drop-down has the focus.
  for (let i = 0; i < 200; i++) {
    if (await page.evaluate(() => document.activeElement?.id === "iso-level")) break;
    await page.keyboard.press("Tab");
  }
  await expect(page.locator("#iso-level")).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page.locator("#iso-level")).toHaveValue("repeatable-read");
  await expect(page).toHaveURL(/level=repeatable-read/);
  await expect(page.locator("#iso-level")).toBeFocused();
  for (let i = 0; i < 200; i++) {
    if (await page.evaluate(() => document.activeElement?.id === "iso-new-1")) break;
    await page.keyboard.press("Tab");
  }
  await expect(page.locator("#iso-new-1")).toBeFocused();
  await page.keyboard.type("select count(*) from test");
  await page.keyboard.press("Enter");
  await expect(page.locator("#iso-new-1")).toBeFocused();
  await expect(page.locator("#iso-preset")).toHaveValue("custom");
  // Editing a statement and leaving it by Tab keeps the keyboard's place.
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Shift+Tab");
  await expect(page.locator("#iso-q-1-3")).toBeFocused();
  await page.keyboard.press("End");
  await page.keyboard.type(" where id = 2");
  await page.keyboard.press("Tab");
  // The edit is applied once the focus has moved on; the address follows it.
  await expect(page).toHaveURL(/count%28%2A%29%20from%20test%20where%20id/);
  await expect(page.locator("#iso-q-1-3")).toHaveValue("select count(*) from test where id = 2");
  await expect(page.locator("#iso-q-1-3-remove")).toBeFocused();
  const before = await page.locator("#iso-schedule-text").inputValue();
  expect(before.endsWith(" 2")).toBe(true);
  for (let i = 0; i < 200; i++) {
    if (await page.evaluate(() => document.activeElement?.id === "iso-s-0-down")) break;
    await page.keyboard.press("Tab");
  }
  await page.keyboard.press("Enter");
  await expect(page.locator("#iso-s-1-down")).toBeFocused();
  await expect(page.locator("#iso-schedule-text")).not.toHaveValue(before);
  // The player's keys work from a button in the lab.
  await page.keyboard.press("Home");
  await expect(stepCount(page)).toHaveText(/^0 \//);
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await expect(stepCount(page)).toHaveText(/^2 \//);
  expect(errors).toEqual([]);
});

test("bad URLs open the nearest lab with a notice", async ({ page }) => {
  const errors = watchErrors(page);
  await open(page, "level=chaos&profile=postgres&s1=selct%201%3Bcommit&s2=select%20*%20from%20test&schedule=1,2,9&step=77");
  await expect(page.locator(".notice")).toContainText("level=chaos");
  await expect(page.locator(".notice")).toContainText("schedule:");
  await expect(page.locator(".iso-col .iso-parse")).toContainText("At character 1");
  await expect(page.locator(".iso-stmt.invalid")).toHaveCount(1);
  await expect(stepCount(page)).toHaveText("3 / 3");
  const long = Array(20).fill("update%20test%20set%20value%20%3D%20value%20%2B%201%20where%20id%20%3D%201").join("%3B");
  await open(page, `s1=${long}&s2=${long}&s3=${long}`);
  await expect(page.locator(".notice")).toContainText("link limit");
  expect(errors).toEqual([]);
});

test("the phone layout: sessions side by side, nothing wider than the screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, "preset=P4&step=4");
  const cols = page.locator(".iso-col");
  await expect(cols).toHaveCount(2);
  const [a, b] = [await cols.nth(0).boundingBox(), await cols.nth(1).boundingBox()];
  expect(a && b && Math.abs(a.y - b.y) < 2).toBe(true);
  await expectNoHorizontalScroll(page);
  await page.getByRole("button", { name: "Step forward" }).click();
  await expect(page.locator(".iso-stmt.released")).toHaveCount(1);
  await expectNoHorizontalScroll(page);
  // The matrix's wide table scrolls inside its frame.
  await open(page, "matrix=on");
  await expect(page.locator(".iso-matrix-table")).toHaveCount(1);
  await expect(page.locator(".iso-matrix-table thead th")).toHaveCount(1 + 3);
  await expectNoHorizontalScroll(page);
  await page.locator("#iso-matrix-close").click();
  // The README's custom example opens without a notice.
  await open(page, "profile=textbook&level=read-committed&s1=update%20test%20set%20value%20%3D%2011%20where%20id%20%3D%201%3Bcommit&s2=select%20*%20from%20test&schedule=1,2,1&step=2");
  await expect(page.locator(".notice")).toHaveCount(0);
  await expect(page.locator(".iso-stmt.waiting")).toContainText("Waiting for session 1");
});

test("a link of many rows and autocommit updates opens promptly and steps", async ({ page }) => {
  const errors = watchErrors(page);
  const query = autocommitPattern(2, 30, 10);
  expect(query.length).toBeGreaterThan(1_300);
  expect(query.length).toBeLessThan(4_000);
  const started = Date.now();
  await page.goto(topicUrl("acid", query));
  // The lab's first frame and the player, within a couple of seconds (the
  // debug build is slower than the release).
  await expect(page.locator(".iso")).toBeVisible({ timeout: 8_000 });
  const forward = page.getByRole("button", { name: "Step forward" });
  await expect(forward).toBeVisible({ timeout: 8_000 });
  await expect(stepCount(page)).toHaveText("0 / 24", { timeout: 8_000 });
  console.log(`the pattern (${query.length} characters) opened in ${Date.now() - started} ms`);
  await forward.click();
  await expect(stepCount(page)).toHaveText("1 / 24");
  await expect(caption(page)).toContainText("commits");
  await forward.click();
  await forward.click();
  await expect(stepCount(page)).toHaveText("3 / 24");
  await expect(caption(page)).toContainText("30 rows changed");
  // The last step shows the verdict on the whole history.
  await page.getByRole("button", { name: "Last step" }).click();
  await expect(stepCount(page)).toHaveText("24 / 24");
  await expect(verdict(page)).toContainText("Serializable");
  expect(errors).toEqual([]);
});

import { test, expect, Page } from "@playwright/test";
import * as fs from "node:fs";
import { ready, watchErrors } from "./helpers";

// Drill mode: a due-card session on a fixed clock, the schedule across a
// reload and the next day, the end of a session, export and import (older
// formats included), corrupt storage, the other orders and a section.

const DAY1 = new Date("2026-12-05T10:00:00");
const DAY2 = new Date("2026-12-06T09:00:00");

async function openDrill(page: Page) {
  await page.goto("./drill/");
  await ready(page);
  await expect(page.locator(".drill-question")).toBeVisible();
}

const meta = (page: Page) => page.locator(".drill-meta");
const question = (page: Page) => page.locator(".drill-question");
const counts = (page: Page) => page.locator("#drill-counts");

/** A column of the table (its cells after the section's name, from 1),
 * summed over the sections: the figure before a slash, or after it. */
async function column(page: Page, n: number, after = false): Promise<number> {
  const cells = await page.locator(`.drill-scores tbody tr td:nth-of-type(${n})`).allTextContents();
  return cells.reduce((sum, c) => sum + Number(c.split("/")[after ? 1 : 0]), 0);
}
const dueToday = (page: Page) => column(page, 1);
const newCards = (page: Page) => column(page, 2);
const totalCards = (page: Page) => column(page, 3, true);
const marked = async (page: Page) => (await totalCards(page)) - (await newCards(page));

async function answer(page: Page, knew: boolean) {
  await page.getByRole("button", { name: "Show the answer" }).click();
  await page.getByRole("button", { name: knew ? "Knew it" : "Didn't" }).click();
}

test("a due session: new cards, a miss comes back today, a known card tomorrow", async ({ page }) => {
  const errors = watchErrors(page);
  await page.clock.setFixedTime(DAY1);
  await page.goto("./");
  await ready(page);
  await page.locator("#topic-nav a.nav-drill").click();
  await expect(page).toHaveURL(/\/some\/dir\/drill\/$/);
  await expect(page.locator("h1#page-title")).toHaveText("Drill");
  await ready(page);
  await expect(page.locator("#drill-order")).toHaveValue("due");
  const total = await totalCards(page);
  expect(total).toBeGreaterThanOrEqual(150);
  await expect(counts(page)).toHaveText(`0 due today · ${total} new · ${total} questions`);
  await expect(meta(page)).toContainText(`Question 1 of ${total}`);
  await expect(meta(page)).toContainText("New question");
  const first = (await question(page).textContent()) ?? "";
  // The keys: Space shows the answer, K marks it known.
  await expect(page.locator(".drill-answer")).toHaveCount(0);
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press(" ");
  await expect(page.locator(".drill-answer")).toBeVisible();
  await page.keyboard.press("k");
  await expect(meta(page)).toContainText(`Question 2 of ${total}`);
  const second = (await question(page).textContent()) ?? "";
  expect(second).not.toBe(first);
  // D marks it missed: due again today, at the end of this session.
  await page.keyboard.press(" ");
  await page.keyboard.press("d");
  await expect(meta(page)).toContainText(`Question 3 of ${total + 1}`);
  await expect(counts(page)).toHaveText(`1 due today · ${total - 2} new · ${total} questions`);
  expect(await dueToday(page)).toBe(1);
  expect(await marked(page)).toBe(2);

  // A reload the same day: the missed card is due and comes first.
  await page.reload();
  await ready(page);
  await expect(counts(page)).toHaveText(`1 due today · ${total - 2} new · ${total} questions`);
  await expect(question(page)).toHaveText(second);
  await expect(meta(page)).toContainText("Due today · box 0 of 6 · knew it 0×, didn't 1×");

  // The next day: the missed card (overdue) first, then the known one.
  await page.clock.setFixedTime(DAY2);
  await page.reload();
  await ready(page);
  await expect(counts(page)).toHaveText(`2 due today · ${total - 2} new · ${total} questions`);
  await expect(question(page)).toHaveText(second);
  await expect(meta(page)).toContainText("Due since 2026-12-05 · box 0 of 6");
  await answer(page, true);
  await expect(question(page)).toHaveText(first);
  await expect(meta(page)).toContainText("Due today · box 1 of 6 · knew it 1×, didn't 0×");
  await answer(page, true);
  await expect(meta(page)).toContainText("New question");
  await expect(counts(page)).toHaveText(`0 due today · ${total - 2} new · ${total} questions`);
  expect(errors).toEqual([]);
});

test("a session ends when nothing is due, and can practise ahead", async ({ page }) => {
  await page.clock.setFixedTime(DAY1);
  await openDrill(page);
  // The smallest section.
  const options = await page.locator("#drill-section option").evaluateAll((os) =>
    os.map((o) => (o as HTMLOptionElement).value),
  );
  let smallest = "";
  let size = Infinity;
  for (const value of options.filter((v) => v !== "all")) {
    await page.locator("#drill-section").selectOption(value);
    const n = Number((await counts(page).textContent())?.match(/(\d+) questions/)?.[1]);
    if (n < size) [smallest, size] = [value, n];
  }
  await page.locator("#drill-section").selectOption(smallest);
  expect(size).toBeGreaterThanOrEqual(3);
  for (let i = 0; i < size; i++) {
    await expect(meta(page)).toContainText(`Question ${i + 1} of ${size}`);
    await answer(page, true);
  }
  await expect(question(page)).toHaveText("Nothing more is due today.");
  await expect(page.locator(".drill-done")).toContainText("The next card is due on 2026-12-06.");
  await expect(counts(page)).toHaveText(`0 due today · 0 new · ${size} questions`);
  await page.getByRole("button", { name: "Practise every card" }).click();
  await expect(page.locator("#drill-order")).toHaveValue("reading");
  await expect(meta(page)).toContainText(`Question 1 of ${size}`);
  await expect(meta(page)).toContainText("Due 2026-12-06 · box 1 of 6");
});

test("progress exports to a file and imports back, older formats too; a wrong file changes nothing", async ({ page }, info) => {
  await page.clock.setFixedTime(DAY1);
  await openDrill(page);
  await answer(page, true);
  await answer(page, false);
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export progress" }).click();
  const file = info.outputPath("progress.json");
  await (await download).saveAs(file);
  const saved = JSON.parse(fs.readFileSync(file, "utf8"));
  expect(saved.format).toBe("backend-playground drill progress");
  expect(saved.version).toBe(2);
  type Mark = { knew: number; missed: number; last: string; box: number; due: string };
  const marks = saved.marks as Record<string, Mark>;
  expect(Object.values(marks).map((m) => [m.knew, m.missed, m.last, m.box, m.due]).sort()).toEqual([
    [0, 1, "missed", 0, "2026-12-05"],
    [1, 0, "knew", 1, "2026-12-06"],
  ]);
  const clear = async () => {
    await page.getByRole("button", { name: "Clear progress" }).click();
    await page.getByRole("button", { name: "Click again to clear all progress" }).click();
    expect(await marked(page)).toBe(0);
  };
  await clear();
  await page.locator("#drill-import").setInputFiles(file);
  await expect(page.locator(".notice")).toContainText("Progress imported.");
  expect(await marked(page)).toBe(2);
  expect(await dueToday(page)).toBe(1);
  const wrong = info.outputPath("wrong.txt");
  fs.writeFileSync(wrong, '{"not": "progress"}');
  await page.locator("#drill-import").setInputFiles(wrong);
  await expect(page.locator(".notice")).toContainText("not a drill progress file");
  expect(await marked(page)).toBe(2);

  // An export written before the schedule existed: its cards are due now.
  const ids = Object.keys(marks);
  const old = info.outputPath("progress-old.json");
  fs.writeFileSync(
    old,
    JSON.stringify({
      format: "backend-playground drill progress",
      version: 2,
      marks: Object.fromEntries(ids.map((id) => [id, { knew: 1, missed: 0, last: "knew" }])),
    }),
  );
  await clear();
  await page.locator("#drill-import").setInputFiles(old);
  await expect(page.locator(".notice")).toContainText("Progress imported.");
  expect(await marked(page)).toBe(2);
  expect(await dueToday(page)).toBe(2);
  await expect(meta(page)).toContainText("Due · box 1 of 6 · knew it 1×");

  // The first version's tab-separated text.
  const v1 = info.outputPath("progress-v1.txt");
  fs.writeFileSync(
    v1,
    ["backend-playground drill progress v1", ...ids.map((id) => `${id}\t0\t1\td`)].join("\n") + "\n",
  );
  await clear();
  await page.locator("#drill-import").setInputFiles(v1);
  await expect(page.locator(".notice")).toContainText("Progress imported.");
  expect(await dueToday(page)).toBe(2);
  const foreign = info.outputPath("foreign.txt");
  fs.writeFileSync(foreign, "backend-playground drill progress v1\nsome-other-site#q\t3\t1\tk\n");
  await page.locator("#drill-import").setInputFiles(foreign);
  await expect(page.locator(".notice")).toContainText("this version does not have");
  expect(await marked(page)).toBe(0);
});

test("corrupt stored progress is set aside with a notice, and the drill still works", async ({ page }) => {
  const errors = watchErrors(page);
  await page.clock.setFixedTime(DAY1);
  await page.addInitScript(() => {
    if (!sessionStorage.getItem("seeded")) {
      localStorage.setItem("bp-drill", "\u0000garbage{]");
      sessionStorage.setItem("seeded", "1");
    }
  });
  await openDrill(page);
  await expect(page.locator(".notice")).toContainText("could not be read");
  expect(await page.evaluate(() => localStorage.getItem("bp-drill-unreadable"))).toBe("\u0000garbage{]");
  expect(await marked(page)).toBe(0);
  await answer(page, true);
  expect(await marked(page)).toBe(1);
  await page.reload();
  await ready(page);
  await expect(page.locator(".notice")).toHaveCount(0);
  expect(await marked(page)).toBe(1);
  // A stored value with a date that is not one is refused whole, too.
  await page.evaluate(() =>
    localStorage.setItem(
      "bp-drill",
      '{"format":"backend-playground drill progress","version":2,"marks":{"acid":{"knew":1,"missed":0,"box":1,"due":"someday"}}}',
    ),
  );
  await page.reload();
  await ready(page);
  await expect(page.locator(".notice")).toContainText("could not be read");
  await expect(question(page)).toBeVisible();
  expect(errors).toEqual([]);
});

test("weakest topics first; a section filter narrows the questions", async ({ page }) => {
  await page.clock.setFixedTime(DAY1);
  await openDrill(page);
  await page.locator("#drill-order").selectOption("reading");
  await expect(meta(page)).toContainText("Question 1 of");
  const first = (await question(page).textContent()) ?? "";
  await answer(page, false);
  await expect(meta(page)).toContainText("Question 2 of");
  // The card missed comes first among the weakest topics.
  await page.locator("#drill-order").selectOption("weakest");
  await expect(meta(page)).toContainText("Question 1 of");
  await expect(question(page)).toHaveText(first);
  await answer(page, true);
  // Known now, its topic is no longer among the weakest.
  await page.locator("#drill-order").selectOption("reading");
  await page.locator("#drill-order").selectOption("weakest");
  await expect(meta(page)).toContainText("Question 1 of");
  await expect(question(page)).not.toHaveText(first);
  // One section only.
  await page.locator("#drill-section").selectOption({ index: 1 });
  const only = (await meta(page).textContent())?.split(" \u00b7 ")[1];
  await answer(page, false);
  expect((await meta(page).textContent())?.split(" \u00b7 ")[1]).toBe(only);
});

import { test, expect, Page } from "@playwright/test";
import * as fs from "node:fs";
import { ready, watchErrors } from "./helpers";

// Drill mode: reveal, mark, scores, persistence, export and import, corrupt
// storage, weakest sections first.

async function openDrill(page: Page) {
  await page.goto("./drill/");
  await ready(page);
  await expect(page.locator(".drill-question")).toBeVisible();
}

const meta = (page: Page) => page.locator(".drill-meta");
const seenTotal = async (page: Page) => {
  const cells = await page.locator(".drill-scores tbody tr td:nth-child(2)").allTextContents();
  return cells.reduce((sum, c) => sum + Number(c.split("/")[0]), 0);
};

test("reveal, mark, and the mark survives a reload", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("./");
  await ready(page);
  await page.locator("#topic-nav a.nav-drill").click();
  await expect(page).toHaveURL(/\/some\/dir\/drill\/$/);
  await expect(page.locator("h1#page-title")).toHaveText("Drill");
  await ready(page);
  await expect(page.locator('#topic-nav a[aria-current="page"]')).toHaveText("Drill");
  await expect(page.locator(".drill-question")).toBeVisible();
  await expect(meta(page)).toContainText("Question 1 of");
  const first = await page.locator(".drill-question").textContent();
  await expect(page.locator(".drill-answer")).toHaveCount(0);
  await page.locator("body").click({ position: { x: 5, y: 5 } });
  await page.keyboard.press(" ");
  await expect(page.locator(".drill-answer")).toBeVisible();
  await page.keyboard.press("k");
  await expect(meta(page)).toContainText("Question 2 of");
  await expect(page.locator(".drill-question")).not.toHaveText(first ?? "");
  await page.getByRole("button", { name: "Show the answer" }).click();
  await page.getByRole("button", { name: "Didn't" }).click();
  expect(await seenTotal(page)).toBe(2);
  await page.reload();
  await ready(page);
  await expect(page.locator(".drill-question")).toHaveText(first ?? "");
  await expect(meta(page)).toContainText("Knew it 1\u00d7, didn't 0\u00d7");
  expect(await seenTotal(page)).toBe(2);
  expect(errors).toEqual([]);
});

test("progress exports to a file and imports back; a wrong file changes nothing", async ({ page }, info) => {
  await openDrill(page);
  await page.getByRole("button", { name: "Show the answer" }).click();
  await page.getByRole("button", { name: "Knew it" }).click();
  await page.getByRole("button", { name: "Show the answer" }).click();
  await page.getByRole("button", { name: "Didn't" }).click();
  const download = page.waitForEvent("download");
  await page.getByRole("button", { name: "Export progress" }).click();
  const file = info.outputPath("progress.txt");
  await (await download).saveAs(file);
  const text = fs.readFileSync(file, "utf8");
  const saved = JSON.parse(text);
  expect(saved.format).toBe("backend-playground drill progress");
  expect(saved.version).toBe(2);
  const marks = saved.marks as Record<string, { knew: number; missed: number; last: string }>;
  expect(Object.values(marks).map((m) => [m.knew, m.missed, m.last]).sort()).toEqual([
    [0, 1, "missed"],
    [1, 0, "knew"],
  ]);
  await page.getByRole("button", { name: "Clear progress" }).click();
  await page.getByRole("button", { name: "Click again to clear all progress" }).click();
  expect(await seenTotal(page)).toBe(0);
  await page.locator("#drill-import").setInputFiles(file);
  await expect(page.locator(".notice")).toContainText("Progress imported.");
  expect(await seenTotal(page)).toBe(2);
  const wrong = info.outputPath("wrong.txt");
  fs.writeFileSync(wrong, '{"not": "progress"}');
  await page.locator("#drill-import").setInputFiles(wrong);
  await expect(page.locator(".notice")).toContainText("not a drill progress file");
  expect(await seenTotal(page)).toBe(2);
  // A file of the first version (tab-separated text) still imports.
  const v1 = info.outputPath("progress-v1.txt");
  fs.writeFileSync(
    v1,
    ["backend-playground drill progress v1",
      ...Object.entries(marks).map(([id, m]) => `${id}\t${m.knew}\t${m.missed}\t${m.last === "knew" ? "k" : "d"}`)].join("\n") + "\n",
  );
  await page.getByRole("button", { name: "Clear progress" }).click();
  await page.getByRole("button", { name: "Click again to clear all progress" }).click();
  expect(await seenTotal(page)).toBe(0);
  await page.locator("#drill-import").setInputFiles(v1);
  await expect(page.locator(".notice")).toContainText("Progress imported.");
  expect(await seenTotal(page)).toBe(2);
  const foreign = info.outputPath("foreign.txt");
  fs.writeFileSync(foreign, "backend-playground drill progress v1\nsome-other-site#q\t3\t1\tk\n");
  await page.locator("#drill-import").setInputFiles(foreign);
  await expect(page.locator(".notice")).toContainText("this version does not have");
  expect(await seenTotal(page)).toBe(0);
});

test("corrupt stored progress is set aside with a notice", async ({ page }) => {
  const errors = watchErrors(page);
  await page.addInitScript(() => localStorage.setItem("bp-drill", "\u0000garbage{]"));
  await openDrill(page);
  await expect(page.locator(".notice")).toContainText("could not be read");
  expect(await seenTotal(page)).toBe(0);
  await page.getByRole("button", { name: "Show the answer" }).click();
  await page.getByRole("button", { name: "Knew it" }).click();
  expect(await seenTotal(page)).toBe(1);
  expect(errors).toEqual([]);
});

test("weakest topics come first; a section filter narrows the questions", async ({ page }) => {
  await openDrill(page);
  const first = await page.locator(".drill-question").textContent();
  await page.getByRole("button", { name: "Show the answer" }).click();
  await page.getByRole("button", { name: "Knew it" }).click();
  const second = await page.locator(".drill-question").textContent();
  await page.getByRole("button", { name: "Show the answer" }).click();
  await page.getByRole("button", { name: "Didn't" }).click();
  await page.locator("#drill-order").selectOption("weakest");
  await expect(meta(page)).toContainText("Question 1 of");
  // The card missed last time comes first; the known one goes to the end.
  await expect(page.locator(".drill-question")).toHaveText(second ?? "");
  // The known card is asked last.
  expect(first).not.toBe(second);
  // One section only.
  await page.locator("#drill-section").selectOption({ index: 1 });
  const only = (await meta(page).textContent())?.split(" \u00b7 ")[1];
  await page.getByRole("button", { name: "Show the answer" }).click();
  await page.getByRole("button", { name: "Didn't" }).click();
  expect((await meta(page).textContent())?.split(" \u00b7 ")[1]).toBe(only);
});

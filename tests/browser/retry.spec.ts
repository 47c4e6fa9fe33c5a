import { test, expect } from "@playwright/test";
import { ready, watchErrors, topicUrl } from "./helpers";

test("the retries page opens", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(topicUrl("retries-resilience"));
  await ready(page);
  await expect(page.locator(".rt")).toBeVisible();
  expect(errors).toEqual([]);
});

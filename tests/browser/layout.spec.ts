import { test, expect } from "@playwright/test";
import { topics, ready, expectNoHorizontalScroll, watchErrors, topicUrl, topicPath, navLink } from "./helpers";

const all = topics();

test("theme toggle switches, follows the system until chosen, and is remembered", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto("./");
  await ready(page);
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const darkBg = await bg();
  const toggle = page.locator("#theme-toggle");
  await expect(toggle).toHaveAttribute("aria-label", "Switch to light theme");
  await toggle.click();
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  await expect(toggle).toHaveAttribute("aria-label", "Switch to dark theme");
  const lightBg = await bg();
  expect(lightBg).not.toBe(darkBg);
  await page.reload();
  await ready(page);
  await expect(page.locator("html")).toHaveAttribute("data-theme", "light");
  expect(await bg()).toBe(lightBg);
  await page.locator("#theme-toggle").click();
  await page.reload();
  await ready(page);
  await expect(page.locator("html")).toHaveAttribute("data-theme", "dark");
  expect(await bg()).toBe(darkBg);
});

test("with no stored choice the light system setting gives the light theme", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("./");
  await ready(page);
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /./);
  await expect(page.locator("#theme-toggle")).toHaveAttribute("aria-label", "Switch to dark theme");
});

test("a corrupt stored theme is ignored", async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto("./");
  await page.evaluate(() => localStorage.setItem("bp-theme", '{"broken'));
  await page.emulateMedia({ colorScheme: "dark" });
  await page.reload();
  await ready(page);
  await expect(page.locator("html")).not.toHaveAttribute("data-theme", /./);
  await expect(page.locator("#theme-toggle")).toHaveAttribute("aria-label", "Switch to light theme");
  expect(errors).toEqual([]);
});

test("reduced motion turns transitions and smooth scrolling off", async ({ page }) => {
  await page.emulateMedia({ reducedMotion: "reduce" });
  await page.goto(topicUrl(all[0].slug));
  await ready(page);
  const style = await page.evaluate(() => ({
    scroll: getComputedStyle(document.documentElement).scrollBehavior,
    transition: getComputedStyle(document.querySelector("#topic-nav a")!).transitionDuration,
  }));
  expect(style.scroll).toBe("auto");
  expect(parseFloat(style.transition)).toBeLessThan(0.001);
  await page.emulateMedia({ reducedMotion: "no-preference" });
  const smooth = await page.evaluate(() => getComputedStyle(document.documentElement).scrollBehavior);
  expect(smooth).toBe("smooth");
});

test.describe("phone layout (375x667)", () => {
  test.use({ viewport: { width: 375, height: 667 }, hasTouch: true, isMobile: true });

  test("the menu opens, navigates and closes; no horizontal scroll", async ({ page }) => {
    await page.goto("./");
    await ready(page);
    await expectNoHorizontalScroll(page);
    const menu = page.locator("#menu-button");
    const nav = page.locator("#topic-nav");
    await expect(menu).toBeVisible();
    await expect(nav).toBeHidden();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await menu.click();
    await expect(nav).toBeVisible();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
    // Focus moves into the menu (to the current page's link: the overview).
    await expect(nav.locator('a.nav-home[aria-current="page"]')).toHaveText("Overview");
    await expect(nav.locator('a.nav-home[aria-current="page"]')).toBeFocused();
    const target = all[3];
    await navLink(page, target.slug).click();
    await expect(page.locator("h1#page-title")).toHaveText(target.title);
    await expect(page).toHaveURL(new RegExp(`${topicPath(target.slug)}$`));
    await ready(page);
    // The topic's page opens with its menu closed.
    await expect(nav).toBeHidden();
    await expect(menu).toHaveAttribute("aria-expanded", "false");
    await expectNoHorizontalScroll(page);
    // Escape closes the menu and returns focus to its button.
    await menu.click();
    await expect(nav).toBeVisible();
    await expect(navLink(page, target.slug)).toHaveAttribute("aria-current", "page");
    await expect(navLink(page, target.slug)).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(nav).toBeHidden();
    await expect(menu).toBeFocused();
    // So does a tap outside it.
    await menu.click();
    await page.locator(".backdrop.visible").click({ position: { x: 360, y: 300 } });
    await expect(nav).toBeHidden();
  });
});

test.describe("narrow layout (360 px)", () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test("no page scrolls sideways", async ({ page }) => {
    test.setTimeout(120_000);
    for (const url of ["./", "./not-found/?topic=no-such-topic", "./sheet/", "./drill/", ...all.map((t) => topicUrl(t.slug))]) {
      await page.goto(url);
      await ready(page);
      await expectNoHorizontalScroll(page);
    }
  });
});

test("wide screens show the sidebar and no menu button", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("./");
  await ready(page);
  await expect(page.locator("#topic-nav")).toBeVisible();
  await expect(page.locator("#menu-button")).toBeHidden();
});

test("the toggle's label follows a live change of the system theme", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await page.goto("./");
  await ready(page);
  const toggle = page.locator("#theme-toggle");
  await expect(toggle).toHaveAttribute("aria-label", "Switch to dark theme");
  await page.emulateMedia({ colorScheme: "dark" });
  await expect(toggle).toHaveAttribute("aria-label", "Switch to light theme");
});

import { test, expect } from "@playwright/test";
import { ready, watchErrors, topicUrl } from "./helpers";

// The seed's six diagrams, drawn as inline SVG that follows the theme.

const diagrams: [string, string][] = [
  ["architecture-layers", "Four layers"],
  ["database-indexing", "Indexing a slow query"],
  ["caching", "Cache-aside read"],
  ["cap-theorem", "CAP:"],
  ["circuit-breaker", "Circuit breaker states"],
  ["oauth-and-passwords", "OAuth 2.0 authorization code flow"],
];

for (const [slug, title] of diagrams) {
  test(`the diagram of ${slug} renders in both themes`, async ({ page }) => {
    const errors = watchErrors(page);
    await page.goto(topicUrl(slug));
    await ready(page);
    const svg = page.locator(".prose figure.diagram svg");
    await expect(svg).toHaveCount(1);
    await expect(svg).toBeVisible();
    await expect(page.getByRole("img", { name: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`) })).toBeVisible();
    const box = await svg.boundingBox();
    expect(box && box.width).toBeGreaterThan(250);
    await expect(page.locator(".prose figure.diagram figcaption")).not.toBeEmpty();
    const fill = () => svg.locator(".dg-t").first().evaluate((el) => getComputedStyle(el).fill);
    const light = await fill();
    await page.getByRole("button", { name: /dark|light|theme/i }).click();
    await expect.poll(fill).not.toBe(light);
    // Every label stays inside the drawing.
    const outside = await svg.evaluate((s: SVGSVGElement) => {
      const vb = s.viewBox.baseVal;
      return [...s.querySelectorAll("text")]
        .map((t) => ({ t: t.textContent, b: (t as SVGTextElement).getBBox() }))
        .filter(({ b }) => b.x < vb.x - 1 || b.y < vb.y - 1 || b.x + b.width > vb.x + vb.width + 1 || b.y + b.height > vb.y + vb.height + 1)
        .map(({ t }) => t);
    });
    expect(outside).toEqual([]);
    await svg.screenshot({ path: `artifacts/screenshots/diagram-${slug}.png` });
    expect(errors).toEqual([]);
  });
}

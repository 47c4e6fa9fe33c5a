import { defineConfig } from "@playwright/test";

// The browser tests drive Debian's Chromium against the release build, which
// scripts/test.sh serves from a sub-path and names in BASE_URL.
const baseURL = process.env.BASE_URL;
if (!baseURL) {
  throw new Error("BASE_URL is not set: run the browser tests through scripts/test.sh");
}

export default defineConfig({
  testDir: "tests/browser",
  outputDir: "artifacts/test-results",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  timeout: 60_000,
  reporter: [["list"], ["json", { outputFile: "artifacts/playwright.json" }]],
  use: {
    baseURL,
    browserName: "chromium",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    },
  },
});

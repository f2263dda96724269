// Takes the README's screenshots from a running server: logs in, labels a few items with the keyboard (so the
// project page and the dashboard have something to show), and saves PNGs. Uses Debian's Chromium through
// playwright-core, a devDependency of src/LabelLoop.Web (installed by `make assets`); no browser is downloaded.
// Usage: node build/screenshots.mjs BASE_URL EMAIL PASSWORD OUT_DIR   (make screenshots runs it)
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "src", "LabelLoop.Web", "package.json"));
const { chromium } = require("playwright-core");

const [base, email, password, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: node build/screenshots.mjs BASE_URL EMAIL PASSWORD OUT_DIR");
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.LABELLOOP_CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, baseURL: base });
  await page.goto("/login");
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", password);
  await Promise.all([page.waitForURL("**/projects"), page.click("button[type=submit]")]);
  const href = await page.locator("[data-testid=project-table] a[href^='/projects/']").first().getAttribute("href");
  const project = href.split("/")[2];

  // A few labels through the workspace, as an annotator would give them.
  await page.goto(`/projects/${project}/label`);
  await page.locator("[data-testid=item-image]").waitFor();
  for (let i = 0; i < 12; i++) {
    const before = await page.locator("#workspace-item").getAttribute("data-item-id");
    await page.keyboard.press(String((i % 9) + 1));
    await page.waitForFunction((b) => document.getElementById("workspace-item")?.getAttribute("data-item-id") !== b, before);
  }
  await page.waitForTimeout(1500);
  await page.screenshot({ path: path.join(out, "workspace.png") });

  await page.goto(`/projects/${project}`);
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: path.join(out, "project-page.png") });

  await page.goto(`/projects/${project}/dashboard`);
  await page.waitForLoadState("networkidle");
  await page.waitForTimeout(1500);
  await page.screenshot({ path: path.join(out, "dashboard.png") });
  console.log(`screenshots of project ${project} written to ${out}`);
} finally {
  await browser.close();
}

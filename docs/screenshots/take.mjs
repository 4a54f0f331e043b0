// Screenshots of the example site for the README and issue 4 (highlighting in light and dark mode).
//
//   cargo build --release && node docs/screenshots/take.mjs [SITE_DIR]
//
// Without SITE_DIR it copies the example (upnotes.yaml, content/, themes/) into a temporary folder and
// builds it with target/release/upnotes (or $UPNOTES_BIN). Needs the browser tests' node_modules
// (cd tests/browser && npm ci) and Chromium (/usr/bin/chromium or $CHROMIUM). Writes, next to itself:
//   highlight-light.png, highlight-dark.png  the protobuf and Python blocks of the 0.20.x notes
//   guide.png                                the whole guide page, 1280 px wide
//   guide-top.png                            its first screen (1280 x 900): matrix, chart, newest version
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const require = createRequire(path.join(repo, "tests/browser/package.json"));
const { chromium } = require("playwright-core");

const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Builds the example into a temporary folder; returns its output folder and a cleanup function. */
function buildExample() {
  const dir = mkdtempSync(path.join(tmpdir(), "upnotes-shots-"));
  for (const item of ["upnotes.yaml", "content", "themes"]) {
    cpSync(path.join(repo, item), path.join(dir, item), { recursive: true });
  }
  const bin = process.env.UPNOTES_BIN || path.join(repo, "target/release/upnotes");
  execFileSync(bin, ["build", "--root", dir], { stdio: ["ignore", "ignore", "inherit"] });
  return { site: path.join(dir, "site"), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Screenshots the region holding the first protobuf and the first Python block of `url`. */
async function codeShot(page, url, colorScheme, file) {
  await page.emulateMedia({ colorScheme });
  await page.goto(url);
  // One rectangle in page coordinates around both blocks (and what lies between them).
  const { x, top, right, bottom } = await page.evaluate(() => {
    const rects = ["protobuf", "python"].map((lang) =>
      document.querySelector(`pre[data-lang="${lang}"]`).getBoundingClientRect(),
    );
    const pad = 12;
    return {
      x: Math.max(0, Math.min(...rects.map((r) => r.left)) - pad),
      right: Math.max(...rects.map((r) => r.right)) + pad,
      top: Math.max(0, Math.min(...rects.map((r) => r.top)) + window.scrollY - pad),
      bottom: Math.max(...rects.map((r) => r.bottom)) + window.scrollY + pad,
    };
  });
  await page.screenshot({
    path: path.join(here, file),
    fullPage: true,
    clip: { x, y: top, width: right - x, height: bottom - top },
  });
}

async function main() {
  const built = process.argv[2] ? null : buildExample();
  const site = process.argv[2] ? path.resolve(process.argv[2]) : built.site;
  const profile = mkdtempSync(path.join(tmpdir(), "upnotes-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = await context.newPage();
    const notes = pathToFileURL(path.join(site, "upgrades/0.20.x/index.html")).href;
    await codeShot(page, notes, "light", "highlight-light.png");
    await codeShot(page, notes, "dark", "highlight-dark.png");
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(pathToFileURL(path.join(site, "upgrades/index.html")).href);
    await page.screenshot({ path: path.join(here, "guide.png"), fullPage: true });
    await page.screenshot({ path: path.join(here, "guide-top.png") });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    built?.cleanup();
  }
}

await main();

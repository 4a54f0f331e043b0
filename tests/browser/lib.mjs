// Shared helpers for the browser tests: build a site with the upnotes binary, start headless Chromium.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const upnotesBin = process.env.UPNOTES_BIN || path.join(repo, "target/release/upnotes");

/** A fresh temporary folder, removed by the returned cleanup function. */
export function tempDir(prefix = "upnotes-browser-") {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies the example site (config, content, theme) into `dir`. */
export function copyExample(dir) {
  cpSync(path.join(repo, "upnotes.yaml"), path.join(dir, "upnotes.yaml"));
  cpSync(path.join(repo, "content"), path.join(dir, "content"), { recursive: true });
  cpSync(path.join(repo, "themes"), path.join(dir, "themes"), { recursive: true });
}

/** Runs upnotes with `args` in `cwd`; throws with its stderr when it fails. */
export function upnotes(cwd, args) {
  return execFileSync(upnotesBin, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** The file:// URL of a file in a built site. */
export function fileUrl(file) {
  return pathToFileURL(file).href;
}

/** Headless Chromium with the flags this machine needs (no network, fresh profile). */
export async function launch() {
  const profile = tempDir("upnotes-chromium-");
  const browser = await chromium.launchPersistentContext(profile.dir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  return {
    context: browser,
    close: async () => {
      await browser.close();
      profile.cleanup();
    },
  };
}

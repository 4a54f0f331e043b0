// upnotes serve: live reload and the build error overlay. The dev server adds this script to the HTML
// pages it serves (never to the files `upnotes build` writes). It listens to /__upnotes/events:
// each event carries the generation of the last good build, the errors of the last rebuild, and the
// output files that build changed since the generation before it.
//
// After a good rebuild the open page reloads, unless the rebuild only changed other pages and data
// files the page has not loaded (then it stays as it is), or only those and this page itself: then
// the page fetches itself and swaps its `[data-upnotes-live]` elements in place, which is much
// quicker than a reload (no scripts, styles or navigation to load and run again) and keeps the
// scroll position. The theme's scripts hear `upnotes:updated` on `document` to set up the new
// content.
(() => {
  "use strict";
  const script = document.currentScript;
  let loaded = script ? script.dataset.generation : "";
  // Files a page does not load when it opens: other pages, and data fetched on demand.
  const ON_DEMAND = /(\.html|(^|\/)(sitemap\.xml|feed\.xml|robots\.txt|changes\.json|changes\.svg))$/;
  const LIVE = "[data-upnotes-live]";
  const scrollKey = "upnotes-scroll:" + location.pathname;
  const OVERLAY_ID = "upnotes-error-overlay";

  // Keep the reader where they were across a reload.
  const saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    const y = Number(saved);
    // "instant": a theme with `scroll-behavior: smooth` would otherwise animate from the top.
    const restore = () => window.scrollTo({ top: y, behavior: "instant" });
    if (document.readyState === "complete") restore();
    else window.addEventListener("load", restore, { once: true });
  }

  function reload() {
    sessionStorage.setItem(scrollKey, String(window.scrollY));
    location.reload();
  }

  /** This page's output file, relative to the output folder (`a/b/index.html`). */
  function ownFile(prefix) {
    let path = decodeURIComponent(location.pathname);
    if (path.startsWith(prefix)) path = path.slice(prefix.length);
    return path === "" || path.endsWith("/") ? path + "index.html" : path;
  }

  /** What a good rebuild means for this page: "stay", "update" or "reload". */
  function effect(status) {
    if (!Array.isArray(status.changed)) return "reload";
    let changed = status.changed;
    // The server sends only its latest status: a page may have missed the one that announced the
    // files a rebuild wrote and showed early, before the rest of it.
    if (status.since !== loaded) {
      if (status.earlier?.since !== loaded) return "reload";
      changed = changed.concat(status.earlier.changed);
    }
    const own = ownFile(status.prefix || "/");
    let update = false;
    for (const file of changed) {
      if (file === own) update = true;
      // The search index counts only once this page has loaded it.
      else if (file.endsWith("search-index.js") ? window.UPNOTES_SEARCH : !ON_DEMAND.test(file)) return "reload";
    }
    return update ? "update" : "stay";
  }

  // While the page updates itself, a newer status waits here: judged against the generation the
  // page is still at, it would reload the page (serve shows an edited page first, then announces
  // the site-wide files of the same rebuild right after).
  let updating = false;
  let waiting = null;

  /** Swaps this page's live parts for those of its new version; reloads when that cannot be done. */
  async function update(generation) {
    updating = true;
    try {
      const response = await fetch(location.href, { cache: "no-store" });
      const next = new DOMParser().parseFromString(await response.text(), "text/html");
      const from = next.querySelectorAll(LIVE);
      const to = document.querySelectorAll(LIVE);
      if (!response.ok || from.length === 0 || from.length !== to.length) return reload();
      to.forEach((part, i) => part.replaceWith(document.adoptNode(from[i])));
      document.title = next.title;
      loaded = generation;
      hideErrors();
      document.dispatchEvent(new CustomEvent("upnotes:updated"));
    } catch {
      return reload();
    }
    updating = false;
    const queued = waiting;
    waiting = null;
    if (queued) handle(queued);
  }

  function showErrors(text) {
    let host = document.getElementById(OVERLAY_ID);
    if (!host) {
      host = document.createElement("div");
      host.id = OVERLAY_ID;
      host.setAttribute("role", "alert");
      // A shadow root keeps the site's CSS (its `pre`, its colours) away from the overlay.
      const shadow = host.attachShadow({ mode: "open" });
      const style = document.createElement("style");
      style.textContent = `
        :host { all: initial; position: fixed; inset: 0; z-index: 2147483647; overflow: auto;
          background: #16161a; color: #f3f3f3; padding: 2rem; box-sizing: border-box;
          font: 15px/1.5 system-ui, sans-serif; }
        button { float: right; font: inherit; color: inherit; background: #2c2c33; border: 1px solid #55555f;
          border-radius: 4px; padding: 0.2rem 0.8rem; cursor: pointer; }
        h2 { color: #ff8a80; font-size: 1.25rem; margin: 0 0 0.5rem; }
        p { margin: 0 0 1rem; color: #c8c8cc; }
        pre { white-space: pre-wrap; margin: 0; padding: 1rem; border-radius: 6px; background: #0c0c0e;
          color: #f3f3f3; font: 14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }`;
      const title = document.createElement("h2");
      title.textContent = "upnotes: the last rebuild failed";
      const note = document.createElement("p");
      note.textContent = "This page shows the last good build. Fix the file and it reloads by itself.";
      const hide = document.createElement("button");
      hide.textContent = "Hide";
      hide.addEventListener("click", hideErrors);
      shadow.append(style, hide, title, note, document.createElement("pre"));
      document.body.append(host);
    }
    // textContent: error messages quote sources, which may hold markup.
    host.shadowRoot.querySelector("pre").textContent = text;
  }

  function hideErrors() {
    document.getElementById(OVERLAY_ID)?.remove();
  }

  function handle(status) {
    if (status.errors) {
      showErrors(status.errors);
    } else if (status.generation === loaded) {
      hideErrors();
    } else {
      const what = effect(status);
      if (what === "reload") reload();
      else if (what === "update") update(status.generation);
      else {
        loaded = status.generation;
        hideErrors();
      }
    }
  }

  const events = new EventSource("/__upnotes/events");
  events.addEventListener("status", (event) => {
    const status = JSON.parse(event.data);
    if (updating) waiting = status;
    else handle(status);
  });
})();

// upnotes serve: live reload and the build error overlay. The dev server adds this script to the HTML
// pages it serves (never to the files `upnotes build` writes). It listens to /__upnotes/events:
// each event carries the generation of the last good build and the errors of the last rebuild.
(() => {
  "use strict";
  const script = document.currentScript;
  const loaded = script ? script.dataset.generation : "";
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

  const events = new EventSource("/__upnotes/events");
  events.addEventListener("status", (event) => {
    const status = JSON.parse(event.data);
    if (status.errors) {
      showErrors(status.errors);
    } else if (status.generation !== loaded) {
      reload();
    } else {
      hideErrors();
    }
  });
})();

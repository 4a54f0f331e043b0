/*
 * upnotes default theme: the site navigation, the phone menu, previous/next links, the
 * "On this page" highlight and copy buttons on code blocks.
 *
 * A classic script (no modules) so that offline bundles work from file://. The navigation comes
 * from window.UPNOTES_NAV, set by nav.js (written once per build): an array of
 * {title, url?, children?} where url is site-relative ("" for the home page, "guide/",
 * "guide/intro/") and absent for a folder without a page of its own (a group that only opens
 * and closes). Links are built from the data-root, data-url and data-index-file attributes
 * of <html>.
 */
(function () {
  "use strict";

  var doc = document;
  var html = doc.documentElement;
  html.className = html.className.replace(/(^|\s)no-js(\s|$)/, "$1js$2");

  var root = html.getAttribute("data-root") || "";
  var indexFile = html.getAttribute("data-index-file") || "";
  /* null when the page is not part of the site (404.html has no data-url). */
  var current = html.hasAttribute("data-url") ? normalize(html.getAttribute("data-url")) : null;
  var nav = doc.getElementById("site-nav");
  var folderCount = 0;

  /* Site-relative URL without "./", a leading "/", a query, a fragment or a trailing index.html. */
  function normalize(url) {
    url = String(url).split("#")[0].split("?")[0];
    url = url.replace(/^\.?\//, "");
    return url.replace(/(^|\/)index\.html$/, "$1");
  }

  function isExternal(url) {
    url = String(url);
    /* Most URLs are plain site paths: no scheme, no "//" and no "#" in front. Skipping the regex
       for them keeps the scan of a large site's navigation cheap. */
    var c = url.charAt(0);
    if (url.indexOf(":") < 0 && c !== "/" && c !== "#") {
      return false;
    }
    return /^([a-z][a-z0-9+.\-]*:|\/\/|#)/i.test(url);
  }

  /* normalize(url) === current, without normalizing the URLs that normalize leaves as they are. */
  function isCurrent(url) {
    url = String(url);
    if (url === current) {
      return true;
    }
    var c = url.charAt(0);
    var plain = c !== "." && c !== "/" && url.indexOf("#") < 0 && url.indexOf("?") < 0 && !/index\.html$/.test(url);
    return !plain && normalize(url) === current;
  }

  function href(url) {
    url = String(url);
    if (isExternal(url)) {
      return url;
    }
    url = url.replace(/^\//, "");
    // Navigation URLs are raw paths (`my page/`, `100%/`): encode them as the build encodes hrefs.
    var h = root + encodeURI(url);
    if (url === "" || url.charAt(url.length - 1) === "/") {
      h += indexFile;
    }
    return h || "./";
  }

  function el(tag, className, text) {
    var node = doc.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text != null) {
      node.textContent = text;
    }
    return node;
  }

  /* ---- Site navigation ---------------------------------------------------------------- */

  var pages = []; /* the navigation items of every linked page, in order, for previous/next */
  var currentLink = null;

  function setFolder(button, list, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    list.hidden = !open;
  }

  function toggleFolder(button, list) {
    setFolder(button, list, list.hidden);
  }

  /* Walks the navigation data once, without touching the page: collects every page for
     previous/next and marks the items on the way to the current page (item.open). */
  function scan(items) {
    var containsCurrent = false;
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (!item || typeof item !== "object") {
        continue;
      }
      var internal = item.url != null && !isExternal(item.url);
      var here = current !== null && internal && isCurrent(item.url);
      item.here = here;
      if (internal) {
        /* Titles and links are made only for the pager's two neighbours (renderPager). */
        pages.push(item);
      }
      var below = item.children && item.children.length ? scan(item.children) : false;
      item.open = here || below;
      containsCurrent = containsCurrent || item.open;
    }
    return containsCurrent;
  }

  function titleOf(item) {
    return item.title != null && item.title !== "" ? String(item.title) : String(item.url || "Home");
  }

  /* Builds one <ul>. The lists of closed folders are only built when first opened: a large site
     would otherwise build every one of its links, hidden, on every page load. */
  function buildList(items, depth) {
    var ul = el("ul", depth ? "nav-list" : "nav-list nav-root");
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (!item || typeof item !== "object") {
        continue;
      }
      var title = titleOf(item);
      var li = el("li", "nav-item");
      var row = el("div", "nav-row");
      var hasUrl = item.url != null;
      var label;
      li.appendChild(row);
      if (hasUrl) {
        label = el("a", "nav-link", title);
        label.href = href(item.url);
        if (item.here) {
          label.setAttribute("aria-current", "page");
          currentLink = label;
        }
      } else {
        label = el("button", "nav-label", title);
        label.type = "button";
      }
      row.appendChild(label);

      var children = item.children;
      if (children && children.length) {
        var sub = item.open ? buildList(children, depth + 1) : el("ul", "nav-list");
        var button = el("button", "nav-folder");
        button.type = "button";
        button.id = "nav-folder-" + ++folderCount;
        sub.id = "nav-list-" + folderCount;
        sub.setAttribute("aria-labelledby", button.id);
        button.setAttribute("aria-controls", sub.id);
        button.setAttribute("aria-label", title);
        setFolder(button, sub, item.open);
        var toggle = openLazily(button, sub, item.open ? null : children, depth + 1);
        button.addEventListener("click", toggle);
        if (!hasUrl) {
          label.addEventListener("click", toggle);
        }
        row.appendChild(button);
        li.appendChild(sub);
      }
      ul.appendChild(li);
    }
    return ul;
  }

  /* A folder's toggle: the first opening fills the list from `children` (unless built already). */
  function openLazily(button, list, children, depth) {
    return function () {
      if (children) {
        var built = buildList(children, depth);
        while (built.firstChild) {
          list.appendChild(built.firstChild);
        }
        children = null;
      }
      toggleFolder(button, list);
    };
  }

  function renderNav() {
    if (!nav) {
      return;
    }
    var data = window.UPNOTES_NAV;
    if (!data || typeof data.length !== "number" || !data.length) {
      data = [{ title: "Home", url: "" }];
    }
    scan(data);
    var built = buildList(data, 0);
    while (nav.firstChild) {
      nav.removeChild(nav.firstChild);
    }
    nav.appendChild(built);
    if (currentLink) {
      var top = currentLink.offsetTop - nav.clientHeight / 3;
      if (currentLink.offsetTop + currentLink.offsetHeight > nav.clientHeight) {
        nav.scrollTop = Math.max(0, top);
      }
    }
  }

  function renderPager() {
    var pager = doc.querySelector("[data-pager]");
    if (!pager) {
      return;
    }
    /* Filled again after `upnotes serve` updated the page (it may have kept this pager). */
    pager.textContent = "";
    for (var i = 0; i < pages.length; i++) {
      if (!pages[i].here) {
        continue;
      }
      var links = [[pages[i - 1], "pager-prev", "prev", "Previous"], [pages[i + 1], "pager-next", "next", "Next"]];
      for (var j = 0; j < links.length; j++) {
        var target = links[j][0];
        if (!target || target.here) {
          continue;
        }
        var a = el("a", links[j][1]);
        a.href = href(target.url);
        a.rel = links[j][2];
        a.appendChild(el("small", null, links[j][3]));
        a.appendChild(doc.createTextNode(titleOf(target)));
        pager.appendChild(a);
      }
      return;
    }
  }

  /* ---- Phone menu ----------------------------------------------------------------------- */

  function setupMenu() {
    var toggle = doc.querySelector(".nav-toggle");
    var backdrop = doc.querySelector(".nav-backdrop");
    if (!toggle || !nav) {
      return;
    }
    function isOpen() {
      return (" " + html.className + " ").indexOf(" nav-open ") >= 0;
    }
    function setOpen(open) {
      if (open === isOpen()) {
        return;
      }
      html.className = open ? html.className + " nav-open" : html.className.replace(/(^|\s)nav-open(?=\s|$)/g, "");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.setAttribute("aria-label", open ? "Hide navigation" : "Show navigation");
      if (backdrop) {
        backdrop.hidden = !open;
      }
      if (open) {
        var focus = currentLink || nav.querySelector("a, button");
        if (focus) {
          focus.focus({ preventScroll: true });
        }
      }
    }
    toggle.addEventListener("click", function () {
      setOpen(!isOpen());
    });
    if (backdrop) {
      backdrop.addEventListener("click", function () {
        setOpen(false);
      });
    }
    nav.addEventListener("click", function (event) {
      var target = event.target;
      if (target && target.closest && target.closest("a")) {
        setOpen(false);
      }
    });
    doc.addEventListener("keydown", function (event) {
      if ((event.key === "Escape" || event.key === "Esc") && isOpen()) {
        setOpen(false);
        toggle.focus();
      }
    });
    if (window.matchMedia) {
      var wide = window.matchMedia("(min-width: 56.01rem)");
      var close = function () {
        if (wide.matches) {
          setOpen(false);
        }
      };
      if (wide.addEventListener) {
        wide.addEventListener("change", close);
      } else if (wide.addListener) {
        wide.addListener(close);
      }
    }
  }

  /* ---- "On this page": highlight the section being read --------------------------------- */

  /* Listeners of the table of contents now shown; removed when `upnotes serve` swaps the page. */
  var tocListeners = null;

  function setupTocHighlight() {
    if (tocListeners) {
      window.removeEventListener("scroll", tocListeners);
      window.removeEventListener("resize", tocListeners);
      tocListeners = null;
    }
    var toc = doc.querySelector(".toc");
    if (!toc) {
      return;
    }
    var links = toc.querySelectorAll("a[data-toc-id]");
    var sections = [];
    for (var i = 0; i < links.length; i++) {
      var heading = doc.getElementById(links[i].getAttribute("data-toc-id"));
      if (heading) {
        sections.push({ heading: heading, link: links[i] });
      }
    }
    if (!sections.length) {
      return;
    }
    var header = doc.querySelector(".site-header");
    var active = null;
    var scheduled = false;

    function update() {
      scheduled = false;
      if (toc.offsetParent === null) {
        return; /* hidden on narrow screens */
      }
      var offset = (header ? header.offsetHeight : 0) + 32;
      var found = null;
      for (var i = 0; i < sections.length; i++) {
        if (sections[i].heading.getBoundingClientRect().top - offset > 0) {
          break;
        }
        found = sections[i];
      }
      var scroller = doc.scrollingElement || html;
      if (scroller.scrollTop + window.innerHeight >= scroller.scrollHeight - 2 && scroller.scrollTop > 0) {
        found = sections[sections.length - 1];
      }
      if (found === active) {
        return;
      }
      if (active) {
        active.link.className = active.link.className.replace(/(^|\s)active(?=\s|$)/g, "");
      }
      active = found;
      if (active) {
        active.link.className += " active";
        var link = active.link;
        if (link.offsetTop < toc.scrollTop || link.offsetTop + link.offsetHeight > toc.scrollTop + toc.clientHeight) {
          toc.scrollTop = link.offsetTop - toc.clientHeight / 2;
        }
      }
    }

    function schedule() {
      if (!scheduled) {
        scheduled = true;
        (window.requestAnimationFrame || setTimeout)(update);
      }
    }

    window.addEventListener("scroll", schedule, { passive: true });
    window.addEventListener("resize", schedule);
    tocListeners = schedule;
    update();
  }

  /* ---- Copy buttons on code blocks ------------------------------------------------------ */

  function codeText(pre) {
    var clone = pre.cloneNode(true);
    var drop = clone.querySelectorAll(".ln, .hl-prompt");
    for (var i = 0; i < drop.length; i++) {
      drop[i].parentNode.removeChild(drop[i]);
    }
    return clone.textContent.replace(/\n$/, "");
  }

  function legacyCopy(text) {
    var area = el("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.top = "0";
    area.style.opacity = "0";
    doc.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = doc.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    doc.body.removeChild(area);
    return ok;
  }

  function copy(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () {
          done(true);
        },
        function () {
          done(legacyCopy(text));
        }
      );
    } else {
      done(legacyCopy(text));
    }
  }

  function setupCopyButtons() {
    var blocks = doc.querySelectorAll(".content pre.highlight");
    for (var i = 0; i < blocks.length; i++) {
      /* Set up already: `upnotes serve` may have kept it when it updated the page. */
      if (blocks[i].parentNode.classList.contains("code-block")) {
        continue;
      }
      (function (pre) {
        var wrapper = el("div", "code-block");
        var button = el("button", "copy-button", "Copy");
        var timer = null;
        button.type = "button";
        button.setAttribute("aria-label", "Copy code to clipboard");
        pre.parentNode.insertBefore(wrapper, pre);
        wrapper.appendChild(pre);
        wrapper.appendChild(button);
        button.addEventListener("click", function () {
          copy(codeText(pre), function (ok) {
            button.textContent = ok ? "Copied" : "Copy failed";
            button.className = "copy-button copied";
            clearTimeout(timer);
            timer = setTimeout(function () {
              button.textContent = "Copy";
              button.className = "copy-button";
            }, 1600);
          });
        });
      })(blocks[i]);
    }
  }

  renderNav();
  renderPager();
  setupMenu();
  setupTocHighlight();
  setupCopyButtons();
  /* `upnotes serve` swapped the page's content for its new version (the navigation stays). */
  doc.addEventListener("upnotes:updated", function () {
    renderPager();
    setupTocHighlight();
    setupCopyButtons();
  });
})();

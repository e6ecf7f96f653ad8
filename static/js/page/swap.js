// Page client: after a save, the kind's list in place, with no page load (issue 17). The list
// comes from this person's page cache (the copy the worker serves offline), read and parsed
// while the form is open, so a save waits only for its own IndexedDB transaction. Its <main>
// and the tab bar replace the form's; the outbox is overlaid on it as on any list (pending.js);
// the address becomes the list's (pushed, so Back returns to the form's address, which is
// then loaded as a page: a new form starts empty). Online and offline alike: once the flush
// has sent the entry, offline.js fetches the list's rows from the server (kx.status.refreshList).
// No copy of the list on the device, or another person signed in now: the caller falls back
// to opening the list as a page.
(function () {
  "use strict";
  var kx = window.kx;
  var PAGES = "kexpwa-pages-", SESSION = "kexpwa-session";
  var parsed = {};  // list path -> promise of a parsed Document (or null), one use each
  // The address this document shows: its own, then a swapped list's; "" once htmx moved it.
  var shown = location.pathname + location.search;

  function read(path) {
    // caches.match with a cacheName never creates a cache (caches.open would, after a wipe).
    var opts = { cacheName: PAGES + kx.owner };
    return Promise.all([caches.match("/current", { cacheName: SESSION }), caches.match(path, opts)])
      .then(function (hits) {
        // Only the person signed in now is shown their pages (the worker's rule too).
        if (!hits[0] || !hits[1] || !hits[1].ok) return null;
        return hits[0].text().then(function (who) { return who === kx.owner ? hits[1].text() : null; });
      })
      .then(function (html) {
        if (!html) return null;
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (!doc.querySelector("main [data-list-kind]") || !doc.querySelector("nav.tabs")) return null;
        if (doc.querySelector("main [hx-get], main [hx-post]")) loadHtmx();
        return doc;
      })
      .catch(function () { return null; });
  }

  // Read and parse the list now, for a save to come.
  function prepare(path) {
    if (!kx.owner || !window.caches || !window.DOMParser || !path) return Promise.resolve(null);
    if (!parsed[path]) parsed[path] = read(path);
    return parsed[path];
  }

  // The prepared copy (one use: its nodes move into this page), or one read now.
  function take(path) {
    var ready = parsed[path];
    delete parsed[path];
    if (!kx.owner || !window.caches || !window.DOMParser || !path) return Promise.resolve(null);
    return ready ? ready.then(function (doc) { return doc || read(path); }) : read(path);
  }

  // The list's search and pager use htmx, which a form page does not load: it is loaded with
  // the list's copy, before the save (the worker holds it), and takes up the list once shown.
  function loadHtmx() {
    if (window.htmx || !kx.config.htmx || kx.$('script[src="' + kx.config.htmx + '"]')) return;
    var script = document.createElement("script");
    script.src = kx.config.htmx;
    document.head.appendChild(script);
  }

  function htmxFor(root) {
    if (window.htmx) window.htmx.process(root);
    else loadHtmx();  // still loading: it processes the whole page as it starts
  }

  // The saved entry's row (its link), else the list's heading.
  function focusAfter(main, recordId, deleted) {
    var row = recordId && !deleted ? main.querySelector('[data-record-id="' + recordId + '"] .row-title a') : null;
    var target = row || kx.$("h1", main) || main;
    if (!row && target.tabIndex < 0 && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
  }

  // Show the list at ``path`` in place of this page. Resolves true once it is on screen with
  // the outbox overlaid and focus on ``saved.id``'s row; false (nothing changed) when the
  // device has no usable copy.
  function show(path, saved) {
    return take(path).then(function (doc) {
      var main = document.getElementById("main"), nav = document.querySelector("nav.tabs");
      if (!doc || !main || !nav) return false;
      var here = location.pathname + location.search;
      // The form's entry loses its draft fragment (the draft is gone): Back opens it afresh.
      history.replaceState(history.state, "", here);
      if (here !== path) history.pushState({ kxSaved: true }, "", path);
      shown = path;
      document.title = doc.title;
      var fresh = document.adoptNode(doc.getElementById("main"));
      // The copy may be from an earlier sign-in of this person: this session's token.
      var token = kx.$('meta[name="csrf-token"]');
      kx.$all('input[name="csrf_token"]', fresh).forEach(function (input) {
        if (token) input.value = token.getAttribute("content");
      });
      main.replaceWith(fresh);
      nav.replaceWith(document.adoptNode(doc.querySelector("nav.tabs")));
      htmxFor(fresh);
      window.scrollTo(0, 0);
      return kx.pending.overlay().then(function () {
        focusAfter(fresh, saved && saved.id, saved && saved.deleted);
        return true;
      });
    });
  }

  // A capture or delete form's list, read while the person types (after the first paint).
  document.addEventListener("DOMContentLoaded", function () {
    var forms = kx.$all("form[data-kind]:not([data-single]), form[data-delete-kind]");
    if (!forms.length) return;
    var later = window.requestIdleCallback || function (fn) { return setTimeout(fn, 300); };
    later(function () {
      forms.forEach(function (form) {
        var kind = form.getAttribute("data-kind") || form.getAttribute("data-delete-kind");
        prepare((kx.kinds[kind] || {}).list);
      });
    }, { timeout: 2000 });
  });

  // Back or Forward to an entry this document does not show: load it. The entries a save
  // pushed share their document with the form's (a reload of one replaces it for both), so
  // this holds in any document, swapped or not. htmx restores its own entries; a fragment link
  // (the skip link) keeps the path and changes nothing.
  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.htmx) return;
    if (location.pathname + location.search !== shown) location.reload();
  });

  kx.swap = {
    prepare: prepare,
    show: show,
    // htmx moved the address (a pager link): the swapped list no longer says where it is.
    moved: function () { shown = ""; }
  };
})();

// kexpwa's page client, its first part: the shared namespace. Every later part reads what it
// needs from window.kx and registers its own functions there. The parts are served joined, in
// the order BUNDLES lists them (kexpwa/web/assets.py), as one deferred js/page.js on every
// page, and js/form.js (the forms' parts) after it on pages with a capture form. No personal
// data goes to localStorage, URLs or the console.
(function () {
  "use strict";
  var el = document.getElementById("kx-config"), config = {};
  try { config = el ? JSON.parse(el.textContent) : {}; } catch (e) { /* no config: stay online-only */ }
  var who = document.querySelector('meta[name="kexpwa-user"]');
  var owner = who ? who.getAttribute("content") : "";
  // Whether this person's role syncs entries (practitioners and team leads; not an admin).
  var syncs = !!(who && who.hasAttribute("data-sync"));

  function $(sel, root) { return (root || document).querySelector(sel); }

  function banner(text, kind, action) {
    var box = document.getElementById("kx-banner");
    if (!box) return;
    box.hidden = false;
    box.className = "banner " + (kind || "");
    box.textContent = text + " ";
    if (action) box.appendChild(action);
  }

  function button(label, onClick, cls) {
    var b = document.createElement("button");
    b.type = "button"; b.textContent = label; if (cls) b.className = cls;
    b.addEventListener("click", onClick);
    return b;
  }

  // A failed IndexedDB write of what the person typed (an entry, a draft): say so, keep the text.
  function storageProblem(err) {
    var quota = err && (err.name === "QuotaExceededError" || /quota/i.test(String(err.message)));
    banner(quota
      ? "This phone has no room left for kexpwa. Nothing was lost: your text is still on screen. Free some space, then save again."
      : "This entry could not be saved on this device (" + (err && err.name || "storage error") + "). Your text is still on screen.", "error");
    throw err;
  }

  // Run fn once the page has loaded and the browser has a moment (at most a second later):
  // for work the first paint does not need.
  function afterLoad(fn) {
    var idle = function () {
      if (window.requestIdleCallback) window.requestIdleCallback(fn, { timeout: 1000 });
      else setTimeout(fn, 0);
    };
    if (document.readyState === "complete") idle();
    else window.addEventListener("load", idle, { once: true });
  }

  // The store is per person: this page reads and writes only its signed-in user's copy.
  if (owner) window.kxStore.use(owner);
  window.kxStore.allowCreate = !!owner;  // only a signed-in page creates the on-device store

  window.kx = {
    config: config,
    owner: owner,
    syncs: syncs,
    kinds: config.kinds || {},
    $: $,
    $all: function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); },
    announce: function (text) { var s = document.getElementById("status"); if (s) s.textContent = text; },
    plural: function (n, one, many) { return n + " " + (n === 1 ? one : many); },
    banner: banner,
    button: button,
    storageProblem: storageProblem,
    afterLoad: afterLoad
  };
})();

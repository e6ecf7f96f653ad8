// Page client, part 2: the service worker. Registration, the "new version" prompt (a new
// worker waits until the person chooses to update), Background Sync, warming the cache, and
// Chromium's install prompt.
(function () {
  "use strict";
  var kx = window.kx;
  var updating = false;  // set once the person is offered an update: only then reload on takeover
  var onSync = function () {};

  function offerUpdate(worker) {
    updating = true;
    kx.banner("A new version of kexpwa is ready. Your drafts and waiting entries are kept.", "info",
      kx.button("Update now", function () { worker.postMessage({ type: "SKIP_WAITING" }); }));
  }

  function register(syncListener) {
    onSync = syncListener || onSync;
    if (!("serviceWorker" in navigator) || !kx.config.sw) return;
    var sw = navigator.serviceWorker, reloading = false;
    sw.addEventListener("controllerchange", function () {
      if (reloading || !updating) return;
      reloading = true;
      location.reload();
    });
    sw.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "sync") onSync(data.detail);
    });
    // Registering fails while offline; the existing registration still serves, so watch it
    // for updates whichever way we get it.
    // After the page has loaded: a first visit's worker precaches every asset, and those
    // requests would compete with the page's own.
    kx.afterLoad(function () {
      sw.register(kx.config.sw, { scope: "/" }).catch(function () { /* offline */ });
    });
    sw.ready.then(function (reg) {
      // A page whose navigation was under way while the first worker activated is left
      // uncontrolled by its clients.claim() (seen after a quick sign-in): ask again.
      if (!sw.controller && reg.active) reg.active.postMessage({ type: "CLAIM" });
      window.addEventListener("online", function () { reg.update().catch(function () {}); });
      if (reg.waiting && sw.controller) offerUpdate(reg.waiting);
      reg.addEventListener("updatefound", function () {
        var incoming = reg.installing;
        if (incoming) incoming.addEventListener("statechange", function () {
          if (incoming.state === "installed" && sw.controller) offerUpdate(incoming);
        });
      });
    }).catch(function () { /* no worker: the app still works online */ });
  }

  // Tell the active worker something (e.g. which pages to keep ready offline).
  function tell(message) {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage(message);
    }).catch(function () { /* no worker */ });
  }

  function requestSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register("kexpwa-flush");
    }).catch(function () { /* Background Sync is Chromium-only */ });
  }

  function warm() {
    if (!navigator.onLine) return;
    window.kxSync.session().then(function (info) {
      if (info) tell({ type: "WARM", owner: info.user, urls: info.warm });
    }).catch(function () { /* offline */ });
  }

  // Chromium offers installation through an event; keep it for the home page's button.
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    var hint = document.getElementById("install-hint");
    if (!hint) return;
    hint.hidden = false;
    kx.$("[data-action=install]", hint).onclick = function () {
      event.prompt();
      hint.hidden = true;
    };
  });

  kx.worker = { register: register, tell: tell, requestSync: requestSync, warm: warm };
})();

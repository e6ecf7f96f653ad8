// Page client, last part: start-up and the sync triggers. The flush starts on app start, on
// the online event, when the page becomes visible, on "Sync now", on a timer, and after a
// backoff; the tray and "This device" pages are in tray.js.
(function () {
  "use strict";
  var kx = window.kx, Y = window.kxSync;
  var retryTimer = null, listStale = false;

  // ``again``: a flush already under way (this page's start-up one, another tab's, the
  // worker's) may have read the outbox before an entry just saved: when it ends, go again.
  var queued = false;
  function flush(force, again) {
    if (!kx.owner || !kx.syncs) return Promise.resolve();
    return Y.flush({ force: force }).then(function (outcome) {
      if (outcome === "busy" && again && !queued && navigator.locks) {
        queued = true;
        navigator.locks.request("kexpwa-flush", function () { queued = false; })
          .then(function () { flush(true); });
      }
      return kx.status.render();
    });
  }

  function afterSync(detail) {
    if (detail) kx.status.note(detail);
    kx.status.render();
    if (!detail) return;
    if (detail.type === "error" && detail.retryAt) {
      // Back off, then try again by ourselves: the queue must not wait for the next trigger.
      clearTimeout(retryTimer);
      retryTimer = setTimeout(function () { flush(false); }, Math.max(0, detail.retryAt - Date.now()) + 50);
    }
    if (detail.type === "signed-out") {
      var link = document.createElement("a");
      link.href = kx.config.login || "/login"; link.textContent = "Sign in";
      kx.banner("Your session has ended. Entries saved on this device are kept.", "error", link);
    }
    if (detail.type === "revoked") {
      var again = document.createElement("a");
      again.href = kx.config.login || "/login"; again.textContent = "Sign in";
      kx.banner("This device was signed out and everything kexpwa kept on it has been removed.", "error", again);
    }
    if (detail.type === "not-yours") {
      kx.banner("Someone else is signed in on this browser now. This page's entries stay on this phone, unsent, until their owner signs in again.", "error");
    }
    if (detail.type === "pushed" && kx.$("[data-list-kind]") && !kx.$("form[data-kind]")) listStale = true;
    if (detail.type === "synced" && listStale) { listStale = false; kx.status.refreshList(); }
  }

  // Another account's unsent entries kept on this phone (guard.js offers to delete them):
  // the status line says so while they are there.
  function asideNote() {
    return window.kxStore.others().then(function (list) {
      var n = list.reduce(function (sum, o) { return sum + o.unsent; }, 0);
      if (n) { kx.status.note({ type: "aside", count: n }); kx.status.render(); }
    }).catch(function () { /* cannot list databases here: nothing to say */ });
  }

  Y.on(afterSync);
  document.addEventListener("click", function (event) {
    var t = event.target;
    if (t && t.matches && t.matches("[data-action=sync-now]")) { Y.resetBackoff(); flush(true); }
  });
  window.addEventListener("online", function () { Y.resetBackoff(); flush(true); });
  window.addEventListener("offline", function () { Y.resetBackoff(); kx.status.render(); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") flush(false); });

  document.addEventListener("DOMContentLoaded", function () {
    kx.worker.register(afterSync);
    if (!window.indexedDB) return;
    if (sessionStorage.getItem("kx-flash")) { sessionStorage.removeItem("kx-flash"); kx.announce("Saved on this device."); }
    kx.device.check().then(function (ok) {
      // A role that does not sync (an admin) keeps nothing here: no flush, no warming.
      if (!ok || !kx.owner || !kx.syncs) return;
      // Ask the browser not to clear our data under storage pressure (a hint, not a promise).
      if (navigator.storage && navigator.storage.persist) kx.afterLoad(function () {
        navigator.storage.persisted().then(function (p) { return p || navigator.storage.persist(); })
          .catch(function () { /* shown on the This device page */ });
      });
      kx.$all("form[data-kind]").forEach(kx.drafts.restore);
      kx.unfinished.render();
      kx.status.overlay();
      kx.status.render();
      // What the first paint does not show waits until the page has loaded: the sync's
      // requests and the worker's warming fetches would compete with the page's own.
      kx.afterLoad(function () {
        asideNote();
        kx.worker.warm();
        flush(true);
        setInterval(function () { flush(false); }, 30000);
      });
    }).catch(function () {
      kx.banner("This browser's storage is not available, so entries are not kept offline here.", "error");
    });
  });

  kx.flush = flush;
})();

// Page client, part 6: whose device copy this is. On start, other people's copies are set aside
// (or removed when nothing in them is unsent); wiping this person's copy and the page caches;
// and the sign-out guard (never wipe silently while entries are unsent).
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore;

  function deletePages(keep) {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("kexpwa-pages-") === 0 && n !== keep; })
        .map(function (n) { return caches.delete(n); }));
    });
  }

  function wipe() { return Promise.all([S.wipe(), deletePages(), window.kxSync.dropPush()]); }

  // Another person's unsent entries stay aside, unseen and unsent, until they sign in again;
  // only the person here can choose to delete them. Resolves true: this page's own copy is
  // separate, so work goes on.
  function check() {
    if (!kx.owner) return Promise.resolve(true);
    return S.adoptLegacy().then(S.others).then(function (list) {
      var aside = list.filter(function (o) { return o.unsent; });
      var unsent = aside.reduce(function (n, o) { return n + o.unsent; }, 0);
      var gone = list.filter(function (o) { return !o.unsent; }).map(function (o) { return S.drop(o.key); });
      return Promise.all(gone.concat([deletePages("kexpwa-pages-" + kx.owner)])).then(function () {
        if (unsent) kx.banner("This phone also keeps " + kx.plural(unsent, "entry", "entries") +
          " from another account that never reached the server. They are kept aside, unseen, until that person signs in again.", "info",
          kx.button("Delete them from this phone", function () {
            Promise.all(aside.map(function (o) { return S.drop(o.key); })).then(function () { location.reload(); });
          }));
        return true;
      });
    });
  }

  function guardSignOut(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-signout")) return;
    if (form.getAttribute("data-confirmed") === "yes") return;
    event.preventDefault();
    var submit = function () { form.setAttribute("data-confirmed", "yes"); form.submit(); };
    S.unsent().then(function (unsent) {
      var proceed = function () { wipe().then(submit); };
      if (!unsent) { proceed(); return; }
      var panel = document.getElementById("signout-warning");
      kx.$(".signout-count", panel).textContent = kx.plural(unsent, "entry has", "entries have");
      panel.hidden = false;
      kx.$("[data-action=signout-sync]", panel).onclick = function () { kx.flush(true); };
      kx.$("[data-action=signout-confirm]", panel).onclick = proceed;
      kx.$("[data-action=signout-cancel]", panel).onclick = function () { panel.hidden = true; };
      kx.$("h2", panel).focus();
    }).catch(submit);
  }

  document.addEventListener("submit", guardSignOut, true);

  kx.device = { wipe: wipe, check: check };
})();

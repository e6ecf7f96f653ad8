// Page client, part 5: what the person sees of the device's state: the sync status line
// (waiting, needs attention, last sync). The entries still waiting are overlaid on lists by
// pending.js; kx.status.overlay hands over to it.
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore, Y = window.kxSync;

  function render() {
    var box = document.getElementById("sync-status");
    if (!box || !kx.owner) return Promise.resolve();
    return Promise.all([S.counts(), S.getMeta("last_sync")]).then(function (v) {
      var c = v[0], last = v[1], text;
      if (Y.state.blocked) {
        text = "Sync stopped: the server says this phone's entries belong to another account. Nothing more is sent; they are kept here.";
      } else if (Y.state.signedOut && c.pending) {
        text = kx.plural(c.pending, "entry is", "entries are") + " waiting. Sign in again to send them.";
      } else {
        text = c.pending ? kx.plural(c.pending, "entry", "entries") + " waiting to sync" : "All saved to the server";
      }
      if (last) text += " · last sync " + new Date(last).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      kx.$(".sync-text", box).textContent = text;
      var tray = kx.$(".sync-attention", box);
      if (tray) {
        tray.hidden = !c.attention;
        tray.textContent = c.attention ? kx.plural(c.attention, "entry needs", "entries need") + " attention" : "";
      }
      box.setAttribute("data-pending", String(c.pending));
    });
  }

  // The entries still waiting, overlaid on lists: js/page/pending.js.
  function overlay() { return kx.pending.overlay(); }

  // After a sync, fetch the list again (the same partial htmx search uses) so synced entries
  // show as the server has them; what is still waiting is overlaid again.
  function refreshList() {
    var list = kx.$("[data-list-kind]");
    var region = list && list.closest(".results");
    if (!region || !window.htmx) return;
    window.htmx.ajax("GET", location.pathname + location.search, { target: region, swap: "innerHTML" })
      .then(overlay, function () { /* offline again: keep what is shown */ });
  }

  kx.status = { render: render, overlay: overlay, refreshList: refreshList };
})();

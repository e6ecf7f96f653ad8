// Page client, part 5: what the person sees of the device's state: the sync status line
// (waiting, needs attention, last sync). The entries still waiting are overlaid on lists by
// pending.js; kx.status.overlay hands over to it.
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore, Y = window.kxSync;

  // What render() cannot read from the store: the last failed attempt and a client_mismatch stop
  // (the worker's flushes report theirs by message: with the flush lock held by the worker, the
  // page's own flush is skipped and never learns them) and another account's entries set aside.
  var seen = { failedAt: 0, failedStatus: 0, aside: 0, blocked: false };

  function note(detail) {
    if (detail.type === "error") { seen.failedAt = detail.at || Date.now(); seen.failedStatus = detail.status || 0; }
    if (detail.type === "synced") { seen.failedAt = 0; seen.blocked = false; }
    if (detail.type === "blocked" && detail.owner === kx.owner) seen.blocked = true;
    if (detail.type === "aside") seen.aside = detail.count || 0;
  }

  function hhmm(at) { return kx.format.clock(at); }

  // Change a node's words only when they change: a polite live region re-announces any write.
  function put(el, text) { if (el && el.textContent !== text) el.textContent = text; }

  // The one place that says where the person's work stands. "All saved" only when nothing
  // waits and nothing needs attention.
  function render() {
    var box = document.getElementById("sync-status");
    if (!box || !kx.owner) return Promise.resolve();
    return Promise.all([S.counts(), S.getMeta("last_sync")]).then(function (v) {
      var c = v[0], last = v[1], parts = [];
      var failedAt = seen.failedAt;
      if (Y.state.blocked || seen.blocked) {
        parts.push("Sync stopped: the server says this phone's entries belong to another account. Nothing more is sent; they are kept here.");
      } else if (Y.state.signedOut && c.pending) {
        parts.push(kx.plural(c.pending, "entry is", "entries are") + " waiting. Sign in again to send them.");
      } else {
        if (c.pending) parts.push(kx.plural(c.pending, "entry", "entries") + " waiting to sync");
        else parts.push(c.attention || failedAt ? "Nothing waiting to sync" : "All saved to the server");
        if (failedAt) {
          parts.push((seen.failedStatus ? "The server had a problem at " : "Couldn't reach the server at ") +
            hhmm(failedAt) + " — will try again");
        }
      }
      if (seen.aside) {
        parts.push(kx.plural(seen.aside, "entry", "entries") + " from another account " +
          (seen.aside === 1 ? "is" : "are") + " kept aside on this phone, unsent: keep " +
          (seen.aside === 1 ? "it" : "them") + ", or delete " + (seen.aside === 1 ? "it" : "them") + " with the button above");
      }
      put(kx.$(".sync-words", box), parts.join(" · ") + (c.attention ? " · " : ""));
      var tray = kx.$(".sync-attention", box);
      if (tray) {
        if (tray.hidden !== !c.attention) tray.hidden = !c.attention;
        put(tray, c.attention ? kx.plural(c.attention, "entry needs", "entries need") + " your attention" : "");
      }
      put(kx.$(".sync-last", box), last ? "Last sync " + hhmm(last) : "");
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

  kx.status = { render: render, note: note, overlay: overlay, refreshList: refreshList };
})();

// Page client: a feedback thread beside an entry (templates/feedback/_thread.html) also shows
// the comments this device holds that the page does not. Pulls keep feedback as read-only
// records of kind "feedback" in `records`; a page served from the worker's cache offline (or
// the note's offline edit form, whose empty thread the worker gives the note's id) therefore
// still shows what arrived at the last pull. Without signal, a reply (or a lead's feedback, on
// the team entry's page the lead's device keeps) is saved to the outbox (a feedback.upsert,
// sync/PROTOCOL.md) and shown "Waiting to sync" until it is sent; online, the form is an
// ordinary htmx post.
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore;
  var ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  var WAITING = " · Waiting to sync";

  function item(id, data, pending) {
    var li = document.createElement("li");
    li.className = "comment" + (data.by_owner ? " reply" : "");
    li.setAttribute("data-feedback-id", id);
    var meta = document.createElement("p"), who = document.createElement("strong");
    meta.className = "meta";
    who.textContent = data.author_name || "";
    meta.appendChild(who);
    var day = kx.format.day(String(data.created_at || "").slice(0, 10));
    meta.appendChild(document.createTextNode((data.by_owner ? " (reply)" : " (team lead)") + (day ? " · " + day : "")));
    if (pending) {
      var wait = document.createElement("span");
      wait.setAttribute("data-waiting", "");
      wait.textContent = WAITING;
      meta.appendChild(wait);
    }
    var body = document.createElement("p");
    body.className = "pre";
    body.textContent = data.body || "";
    li.appendChild(meta);
    li.appendChild(body);
    return li;
  }

  // A comment of this person's not yet pulled back: its author, and whether it is the entry's
  // owner's reply or a lead's feedback, come from the form.
  function shown(section, r) {
    var data = Object.assign({}, r.data || {});
    if (data.author_name === undefined) {
      var form = kx.$("[data-thread-form]", section);
      data.author_name = form ? form.getAttribute("data-author") : "";
      data.by_owner = form ? form.hasAttribute("data-by-owner") : true;
    }
    return data;
  }

  function fill(section, held) {
    var parts = (section.getAttribute("data-thread") || "").split(":");
    var kind = parts[0], id = parts[1], list = kx.$("[data-thread-items]", section);
    if (!list || !ID.test(id || "")) return;
    var onPage = {};
    kx.$all("[data-feedback-id]", list).forEach(function (li) { onPage[li.getAttribute("data-feedback-id")] = li; });
    var mine = held.filter(function (r) { var d = r.data || {}; return d.parent_kind === kind && d.parent_id === id; });
    mine.forEach(function (r) {  // sent since: no longer waiting
      var li = onPage[r.id], wait = li && !r.pending && kx.$("[data-waiting]", li);
      if (wait) wait.parentNode.removeChild(wait);
    });
    var added = mine.filter(function (r) { return !onPage[r.id]; });
    if (!added.length) return;
    added.sort(function (a, b) { return String(a.data.created_at || "~") < String(b.data.created_at || "~") ? -1 : 1; });
    added.forEach(function (r) { list.appendChild(item(r.id, shown(section, r), r.pending)); });
    var empty = kx.$("[data-thread-empty]", section);
    if (empty) empty.hidden = true;
    section.hidden = false;
  }

  function render() {
    var sections = kx.$all("[data-thread]");
    if (!sections.length || !kx.owner || !window.indexedDB) return Promise.resolve();
    return S.tx(["records"], "readonly", function (t) { return S.all(t.objectStore("records")); })
      .then(function (rows) {
        var held = rows.filter(function (r) { return r.kind === "feedback" && !r.deleted; });
        sections.forEach(function (section) { fill(section, held); });
      })
      .catch(function () { /* no store on this device yet: the page shows what it has */ });
  }

  // Offline: keep the comment on the device (the server's rules run when it is sent).
  function queue(form) {
    var what = form.hasAttribute("data-by-owner") ? "reply" : "feedback";
    var section = form.closest("[data-thread]"), field = kx.$("textarea[name=body]", form);
    var parts = (section && section.getAttribute("data-thread") || "").split(":");
    var body = field ? field.value.trim() : "";
    if (!body) { kx.announce("Enter your comment."); field.focus(); return; }
    if (body.length > 2000) { kx.announce("Your comment is too long: up to 2,000 characters."); field.focus(); return; }
    S.enqueue("feedback", "upsert", S.uuid(), { body: body, parent_kind: parts[0], parent_id: parts[1] }, null)
      .then(function () {
        field.value = "";
        return render();
      })
      .then(function () {
        kx.announce("Saved on this device. Your " + what + " will be sent when you are back online.");
        kx.status.render();
        kx.flush(true);
      })
      .catch(function () { kx.announce("This " + what + " could not be saved on this device. Try again when you are online."); });
  }

  // Before htmx sees the submit (capture phase): only when the browser knows it is offline.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-thread-form]") || navigator.onLine || !kx.owner || !kx.syncs) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    queue(form);
  }, true);

  document.addEventListener("DOMContentLoaded", render);
  window.kxSync.on(function (detail) { if (detail && (detail.type === "synced" || detail.type === "pushed")) render(); });
  kx.thread = { render: render };
})();

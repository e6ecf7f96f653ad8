// kexpwa offline client for pages: service worker registration and updates, saving forms to
// the outbox, drafts, the sync status line, pending items in lists, and the sign-out guard.
// The tray and "This device" pages are in tray.js. No personal data goes to localStorage,
// URLs or the console.
(function () {
  "use strict";
  var S = window.kxStore, Y = window.kxSync;
  var config = readConfig();
  var owner = meta("kexpwa-user");
  S.allowCreate = !!owner;  // only a signed-in page creates the on-device store
  var draftTimers = {};

  function readConfig() {
    var el = document.getElementById("kx-config");
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }
  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : "";
  }
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function announce(text) { var s = document.getElementById("status"); if (s) s.textContent = text; }
  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  // ---- forms -> data (must match kexpwa/views/forms.py) ----
  function formData(form) {
    var data = {}, fd = new FormData(form);
    var checkboxes = {};
    $all("input[type=checkbox][name]", form).forEach(function (box) {
      if (box.name !== "tags") checkboxes[box.name] = false;
    });
    var tags = $all("input[type=checkbox][name=tags]", form).length ? [] : null;
    fd.forEach(function (value, name) {
      if (name === "csrf_token" || name === "id" || name === "version") return;
      if (typeof value !== "string") return;
      if (name === "tags") { tags.push(value); return; }
      if (name in checkboxes) { checkboxes[name] = value === "true" || value === "on"; return; }
      if (name.indexOf("sections.") === 0) {
        data.sections = data.sections || {};
        data.sections[name.slice(9)] = value;
        return;
      }
      data[name] = value === "" && /_id$|_date$/.test(name) ? null : value;
    });
    Object.keys(checkboxes).forEach(function (k) { data[k] = checkboxes[k]; });
    if (tags) data.tags = tags;
    return data;
  }

  function field(form, name) { return form.elements.namedItem(name); }

  function draftKey(form) {
    var version = field(form, "version");
    var isNew = !version || !version.value || version.value === "0";
    return form.getAttribute("data-kind") + ":" + (isNew ? "new" : form.getAttribute("data-record-id"));
  }

  function saveDraft(form) {
    var fields = {};
    $all("input, textarea, select", form).forEach(function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "hidden" && el.name !== "id") return;
      if (el.type === "checkbox" || el.type === "radio") {
        fields[el.name + "=" + el.value] = el.checked;
      } else {
        fields[el.name] = el.value;
      }
    });
    var record = { key: draftKey(form), kind: form.getAttribute("data-kind"), fields: fields,
                   path: location.pathname, saved: Date.now() };
    return S.tx(["drafts"], "readwrite", function (t) { t.objectStore("drafts").put(record); })
      .catch(storageProblem);
  }

  // The id lives in the hidden field, the data attribute and the form's action (the no-JS
  // post goes to /<area>/<id>): keep all three the same.
  function setRecordId(form, idField, id) {
    var old = form.getAttribute("data-record-id");
    idField.value = id;
    form.setAttribute("data-record-id", id);
    var action = form.getAttribute("action");
    if (old && action && action.indexOf(old) >= 0) form.setAttribute("action", action.replace(old, id));
  }

  function restoreDraft(form) {
    return S.tx(["drafts", "records"], "readonly", function (t) {
      return S.get(t.objectStore("drafts"), draftKey(form)).then(function (draft) {
        if (!draft || !draft.fields.id) return draft;
        // A "new" draft whose record was saved meanwhile must not reuse that record's id.
        return S.get(t.objectStore("records"), draft.kind + ":" + draft.fields.id).then(function (saved) {
          if (saved) delete draft.fields.id;
          return draft;
        });
      });
    })
      .then(function (draft) {
        var idField = field(form, "id");
        var version = field(form, "version");
        var isNew = !version || !version.value || version.value === "0";
        if (!draft || !("id" in draft.fields)) {
          // A cached "new" form would otherwise reuse the id it was rendered with.
          if (isNew && idField) setRecordId(form, idField, S.uuid());
          if (!draft) return;
        }
        $all("input, textarea, select", form).forEach(function (el) {
          if (!el.name || el.name === "csrf_token") return;
          if (el.type === "checkbox" || el.type === "radio") {
            var k = el.name + "=" + el.value;
            if (k in draft.fields) el.checked = draft.fields[k];
          } else if (el.name in draft.fields && (el.type !== "hidden" || el.name === "id")) {
            el.value = draft.fields[el.name];
          }
        });
        if (idField) setRecordId(form, idField, idField.value);
        var note = document.createElement("p");
        note.className = "notice draft-note";
        note.setAttribute("role", "status");
        note.textContent = "Draft restored from this device. ";
        var discard = document.createElement("button");
        discard.type = "button"; discard.className = "link"; discard.textContent = "Discard draft";
        discard.addEventListener("click", function () {
          S.tx(["drafts"], "readwrite", function (t) { t.objectStore("drafts").delete(draftKey(form)); })
            .then(function () { location.reload(); });
        });
        note.appendChild(discard);
        form.insertBefore(note, form.firstChild);
      });
  }

  function storageProblem(err) {
    var quota = err && (err.name === "QuotaExceededError" || /quota/i.test(String(err.message)));
    var text = quota
      ? "This phone has no room left for kexpwa. Nothing was lost: your text is still on screen. Free some space, then save again."
      : "This entry could not be saved on this device (" + (err && err.name || "storage error") + "). Your text is still on screen.";
    showBanner(text, "error");
    throw err;
  }

  function listUrl(kind) { return (config.lists || {})[kind] || "/"; }

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var kind = form.getAttribute("data-kind");
    var delKind = form.getAttribute("data-delete-kind");
    var restoreKind = form.getAttribute("data-restore-kind");
    if (!kind && !delKind && !restoreKind) return;
    if (!window.indexedDB) return;  // the ordinary form post still works
    event.preventDefault();
    if (kind && !form.checkValidity()) {
      // The form says what is missing; nothing is queued, and the text stays on screen.
      form.reportValidity();
      return;
    }
    if (kind) {
      // No draft may be written after the entry itself is saved.
      clearTimeout(draftTimers[draftKey(form)]);
      form.setAttribute("data-saved", "yes");
    }
    var idField = field(form, "id"), version = field(form, "version");
    var recordId = idField && idField.value;
    var formVersion = version && version.value ? parseInt(version.value, 10) : 0;
    var op = kind ? "upsert" : (delKind ? "delete" : "restore");
    var k = kind || delKind || restoreKind;
    var data = kind ? formData(form) : null;
    S.enqueue(k, op, recordId, data, formVersion).then(function () {
      if (kind) return S.tx(["drafts"], "readwrite", function (t) { t.objectStore("drafts").delete(draftKey(form)); });
    }).then(function () {
      announce("Saved on this device.");
      requestBackgroundSync();
      sessionStorage.setItem("kx-flash", "1");  // a flag only, no content
      location.assign(listUrl(k));
    }).catch(storageProblem);
  }

  // ---- status line ----
  function renderStatus() {
    var box = document.getElementById("sync-status");
    if (!box || !owner) return Promise.resolve();
    return Promise.all([S.counts(), S.getMeta("last_sync")]).then(function (v) {
      var c = v[0], last = v[1], text;
      if (Y.state.signedOut && c.pending) {
        text = plural(c.pending, "entry is", "entries are") + " waiting. Sign in again to send them.";
      } else if (c.pending) {
        text = plural(c.pending, "entry", "entries") + " waiting to sync";
      } else {
        text = "All saved to the server";
      }
      if (last) text += " · last sync " + new Date(last).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      $(".sync-text", box).textContent = text;
      var tray = $(".sync-attention", box);
      if (tray) {
        tray.hidden = !c.attention;
        tray.textContent = c.attention ? plural(c.attention, "entry needs", "entries need") + " attention" : "";
      }
      box.setAttribute("data-pending", String(c.pending));
    });
  }

  // ---- pending items in lists ----
  function overlayList() {
    var list = $("[data-list-kind]");
    if (!list) return Promise.resolve();
    var kind = list.getAttribute("data-list-kind");
    return S.tx(["outbox", "records"], "readonly", function (t) {
      return Promise.all([S.all(t.objectStore("outbox")), S.all(t.objectStore("records"))]);
    }).then(function (v) {
      var records = {};
      v[1].forEach(function (r) { records[r.key] = r; });
      var seen = {};
      v[0].filter(function (m) { return m.kind.split(".")[0] === kind; }).forEach(function (m) {
        if (seen[m.record_id]) return;
        seen[m.record_id] = true;
        var local = records[kind + ":" + m.record_id] || { data: m.data || {} };
        var row = list.querySelector('[data-record-id="' + m.record_id + '"]');
        if (!row) {
          row = document.createElement("li");
          row.className = "card pending-row";
          row.setAttribute("data-record-id", m.record_id);
          var title = document.createElement("strong");
          var d = local.data || {};
          title.textContent = d.title || d.activity || d.duration || "New entry";
          row.appendChild(title);
          var when = document.createElement("div");
          when.className = "meta";
          when.textContent = [d.date, d.duration || (d.minutes ? d.minutes + " min" : "")].filter(Boolean).join(" · ");
          row.appendChild(when);
          list.insertBefore(row, list.firstChild);
        }
        if (!row.querySelector(".badge")) {
          var badge = document.createElement("span");
          badge.className = "badge";
          badge.textContent = local.deleted ? "Deleted · waiting to sync" : "Waiting to sync";
          row.appendChild(badge);
        }
      });
      var empty = $("[data-empty-state]");
      if (empty && Object.keys(seen).length) empty.hidden = true;
    });
  }

  // After a sync, fetch the list again (the same partial htmx search uses) so synced entries
  // show as the server has them; what is still waiting is overlaid again.
  function refreshList() {
    var list = $("[data-list-kind]");
    var region = list && list.closest(".results");
    if (!region || !window.htmx) return;
    window.htmx.ajax("GET", location.pathname + location.search, { target: region, swap: "innerHTML" })
      .then(overlayList, function () { /* offline again: keep what is shown */ });
  }

  // ---- banners, update prompt, install hint ----
  function showBanner(text, kind, action) {
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

  function offerUpdate(worker) {
    showBanner("A new version of kexpwa is ready. Your drafts and waiting entries are kept.", "info",
      button("Update now", function () { worker.postMessage({ type: "SKIP_WAITING" }); }));
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator) || !config.sw) return;
    var reloading = false;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (reloading || !window.kxUpdating) return;
      reloading = true;
      location.reload();
    });
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "sync") afterSync(data.detail);
    });
    // Registering fails while offline; the existing registration still serves, so watch it
    // for updates whichever way we get it.
    navigator.serviceWorker.register(config.sw, { scope: "/" }).catch(function () { /* offline */ });
    navigator.serviceWorker.ready.then(function (reg) {
      window.addEventListener("online", function () { reg.update().catch(function () {}); });
      if (reg.waiting && navigator.serviceWorker.controller) { window.kxUpdating = true; offerUpdate(reg.waiting); }
      reg.addEventListener("updatefound", function () {
        var incoming = reg.installing;
        if (!incoming) return;
        incoming.addEventListener("statechange", function () {
          if (incoming.state === "installed" && navigator.serviceWorker.controller) {
            window.kxUpdating = true;
            offerUpdate(incoming);
          }
        });
      });
    }).catch(function () { /* no worker: the app still works online */ });
  }

  function requestBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) return reg.sync.register("kexpwa-flush");
    }).catch(function () { /* Background Sync is Chromium-only */ });
  }

  // Chromium offers installation through an event; keep it for the home page's button.
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    var hint = document.getElementById("install-hint");
    if (!hint) return;
    hint.hidden = false;
    $("[data-action=install]", hint).onclick = function () {
      event.prompt();
      hint.hidden = true;
    };
  });

  // ---- owner checks, warming, wiping ----
  function wipeDevice() {
    var pages = caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("kexpwa-pages-") === 0; })
        .map(function (n) { return caches.delete(n); }));
    });
    return Promise.all([S.wipe(), pages]);
  }
  window.kxWipeDevice = wipeDevice;

  function checkOwner() {
    if (!owner) return Promise.resolve(true);
    return S.getMeta("owner").then(function (previous) {
      if (!previous) return S.setMeta("owner", owner).then(function () { return true; });
      if (previous === owner) return true;
      return S.counts().then(function (c) {
        var unsent = c.pending + c.attention;
        if (!unsent) return wipeDevice().then(function () { S.allowCreate = true; return S.setMeta("owner", owner); }).then(function () { return true; });
        showBanner("This phone holds " + plural(unsent, "entry", "entries") +
          " from another account that never reached the server. Continuing deletes them from this phone.", "error",
          button("Delete them and continue", function () {
            wipeDevice().then(function () { S.allowCreate = true; return S.setMeta("owner", owner); }).then(function () { location.reload(); });
          }));
        return false;
      });
    });
  }

  function warm() {
    if (!navigator.onLine || !("serviceWorker" in navigator)) return;
    Y.session().then(function (info) {
      if (!info) return;
      navigator.serviceWorker.ready.then(function (reg) {
        if (reg.active) reg.active.postMessage({ type: "WARM", owner: owner, urls: info.warm });
      });
    }).catch(function () { /* offline */ });
  }

  // ---- sign-out guard ----
  function guardSignOut(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-signout")) return;
    if (form.getAttribute("data-confirmed") === "yes") return;
    event.preventDefault();
    S.counts().then(function (c) {
      var unsent = c.pending + c.attention;
      var proceed = function () {
        wipeDevice().then(function () {
          form.setAttribute("data-confirmed", "yes");
          form.submit();
        });
      };
      if (!unsent) { proceed(); return; }
      var panel = document.getElementById("signout-warning");
      $(".signout-count", panel).textContent = plural(unsent, "entry has", "entries have");
      panel.hidden = false;
      $("[data-action=signout-sync]", panel).onclick = function () { Y.flush({ force: true }).then(renderStatus); };
      $("[data-action=signout-confirm]", panel).onclick = proceed;
      $("[data-action=signout-cancel]", panel).onclick = function () { panel.hidden = true; };
      $("h2", panel).focus();
    }).catch(function () { form.setAttribute("data-confirmed", "yes"); form.submit(); });
  }

  // ---- sync triggers ----
  var retryTimer = null;

  function afterSync(detail) {
    renderStatus();
    if (!detail) return;
    if (detail.type === "error" && detail.retryAt) {
      // Back off, then try again by ourselves: the queue must not wait for the next trigger.
      clearTimeout(retryTimer);
      retryTimer = setTimeout(function () { flush(false); }, Math.max(0, detail.retryAt - Date.now()) + 50);
    }
    if (detail.type === "signed-out") {
      var link = document.createElement("a");
      link.href = config.login || "/login"; link.textContent = "Sign in";
      showBanner("Your session has ended. Entries saved on this device are kept.", "error", link);
    }
    if (detail.type === "pushed" && $("[data-list-kind]") && !document.querySelector("form[data-kind]")) {
      window.kxNeedsRefresh = true;
    }
    if (detail.type === "synced" && window.kxNeedsRefresh) { window.kxNeedsRefresh = false; refreshList(); }
  }

  function flush(force) {
    if (!owner) return Promise.resolve();
    return Y.flush({ force: force }).then(renderStatus);
  }

  Y.on(afterSync);

  document.addEventListener("submit", guardSignOut, true);
  document.addEventListener("submit", onSubmit);
  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (!form || !form.hasAttribute("data-kind") || form.hasAttribute("data-saved")) return;
    var key = draftKey(form);
    clearTimeout(draftTimers[key]);
    draftTimers[key] = setTimeout(function () { saveDraft(form); }, 400);
  });
  document.addEventListener("click", function (event) {
    var t = event.target;
    if (t && t.matches && t.matches("[data-action=sync-now]")) { Y.resetBackoff(); flush(true); }
  });
  window.addEventListener("online", function () { Y.resetBackoff(); flush(true); });
  window.addEventListener("offline", function () { Y.resetBackoff(); renderStatus(); });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") flush(false); });

  document.addEventListener("DOMContentLoaded", function () {
    registerWorker();
    if (!window.indexedDB) return;
    if (sessionStorage.getItem("kx-flash")) { sessionStorage.removeItem("kx-flash"); announce("Saved on this device."); }
    checkOwner().then(function (ok) {
      if (!ok || !owner) return;
      // Ask the browser not to clear our data under storage pressure (a hint, not a promise).
      if (navigator.storage && navigator.storage.persist) {
        navigator.storage.persisted().then(function (p) { return p || navigator.storage.persist(); })
          .catch(function () { /* shown on the This device page */ });
      }
      $all("form[data-kind]").forEach(restoreDraft);
      overlayList();
      renderStatus();
      warm();
      flush(true);
      setInterval(function () { flush(false); }, 30000);
    }).catch(function () {
      showBanner("This browser's storage is not available, so entries are not kept offline here.", "error");
    });
  });

  window.kxOffline = { flush: flush, renderStatus: renderStatus, formData: formData, wipeDevice: wipeDevice };
})();

// Page client, part 4: forms. A capture, delete or restore form is saved to the device's outbox
// (the server is told later, by the flush); "Saved on this device" is shown only once the
// strict IndexedDB transaction has completed.
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore;

  // Form fields to record data; must match kexpwa/views/forms.py.
  function formData(form) {
    var data = {}, checkboxes = {};
    kx.$all("input[type=checkbox][name]", form).forEach(function (box) {
      if (box.name !== "tags") checkboxes[box.name] = false;
    });
    var tags = kx.$all("input[type=checkbox][name=tags]", form).length ? [] : null;
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token" || name === "id" || name === "version" || typeof value !== "string") return;
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

  var storageProblem = kx.storageProblem;

  function onSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var kind = form.getAttribute("data-kind");
    var k = kind || form.getAttribute("data-delete-kind") || form.getAttribute("data-restore-kind");
    if (!k || !window.indexedDB) return;  // the ordinary form post still works
    event.preventDefault();
    if (kind && kx.checks.run(form)) {
      // The server's rules, checked here (checks.js): the app's error summary and a message
      // beside each field; nothing is queued, and every character stays on screen.
      return;
    }
    if (kind) kx.drafts.stop(form);
    var idField = kx.drafts.field(form, "id"), version = kx.drafts.field(form, "version");
    var formVersion = version && version.value ? parseInt(version.value, 10) : 0;
    var op = kind ? "upsert" : (form.getAttribute("data-delete-kind") ? "delete" : "restore");
    var recordId = idField && idField.value, list = (kx.kinds[k] || {}).list || "/";
    S.enqueue(k, op, recordId, kind ? formData(form) : null, formVersion).then(function () {
      // The entry is kept: the draft goes (its own strict transaction) while the list shows.
      // Should that fail, the draft stays listed under "Unfinished entries", to discard.
      var dropped = kind ? kx.drafts.drop(form).catch(function () {}) : Promise.resolve();
      // The list in place (swap.js), as it would load: its pending rows, the status line, a
      // flush. Without a copy of the list on the device, the list is opened as a page (once
      // the draft is gone, so the list page's "Unfinished entries" never shows it).
      // A kind with one record per person (data-single) is its own list: it opens as a page,
      // where records.js shows the choice just made.
      var shows = form.hasAttribute("data-single") ? Promise.resolve(false)
        : kx.swap.show(list, { id: recordId, deleted: op === "delete" });
      return shows.then(function (shown) {
        return dropped.then(function () { return shown; });
      }).then(function (shown) {
        kx.worker.requestSync();
        if (!shown) {
          sessionStorage.setItem("kx-flash", "1");  // a flag only, no content
          location.assign(list);
          return;
        }
        kx.announce("Saved on this device.");
        kx.status.render();
        kx.flush(true, true);
      }, function () {
        sessionStorage.setItem("kx-flash", "1");
        location.assign(list);
      });
    }).catch(storageProblem);
  }

  document.addEventListener("submit", onSubmit);

  kx.forms = { data: formData };
})();

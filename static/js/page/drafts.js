// Page client, part 3: drafts. What is typed into a form is kept on the device as it is typed
// and offered again when the form reopens, until the entry is saved or the draft discarded.
(function () {
  "use strict";
  var kx = window.kx, S = window.kxStore;
  var timers = {};

  function field(form, name) { return form.elements.namedItem(name); }

  function isNew(form) {
    var version = field(form, "version");
    return !version || !version.value || version.value === "0";
  }

  function key(form) {
    return form.getAttribute("data-kind") + ":" + (isNew(form) ? "new" : form.getAttribute("data-record-id"));
  }

  function drop(form) {
    return S.tx(["drafts"], "readwrite", function (t) { t.objectStore("drafts").delete(key(form)); });
  }

  function save(form) {
    var fields = {};
    kx.$all("input, textarea, select", form).forEach(function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "hidden" && el.name !== "id") return;
      if (el.type === "checkbox" || el.type === "radio") fields[el.name + "=" + el.value] = el.checked;
      else fields[el.name] = el.value;
    });
    var record = { key: key(form), kind: form.getAttribute("data-kind"), fields: fields,
                   path: location.pathname, saved: Date.now() };
    return S.tx(["drafts"], "readwrite", function (t) { t.objectStore("drafts").put(record); })
      .catch(kx.forms.storageProblem);
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

  function restore(form) {
    return S.tx(["drafts", "records"], "readonly", function (t) {
      return S.get(t.objectStore("drafts"), key(form)).then(function (draft) {
        if (!draft || !draft.fields.id) return draft;
        // A "new" draft whose record was saved meanwhile must not reuse that record's id.
        return S.get(t.objectStore("records"), draft.kind + ":" + draft.fields.id).then(function (saved) {
          if (saved) delete draft.fields.id;
          return draft;
        });
      });
    }).then(function (draft) {
      var idField = field(form, "id");
      if (!draft || !("id" in draft.fields)) {
        // A cached "new" form would otherwise reuse the id it was rendered with.
        if (isNew(form) && idField) setRecordId(form, idField, S.uuid());
        if (!draft) return;
      }
      kx.$all("input, textarea, select", form).forEach(function (el) {
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
      note.appendChild(kx.button("Discard draft", function () { drop(form).then(function () { location.reload(); }); }, "link"));
      form.insertBefore(note, form.firstChild);
    });
  }

  // No draft may be written after the entry itself is saved.
  function stop(form) {
    clearTimeout(timers[key(form)]);
    form.setAttribute("data-saved", "yes");
  }

  document.addEventListener("input", function (event) {
    var form = event.target && event.target.form;
    if (!form || !form.hasAttribute("data-kind") || form.hasAttribute("data-saved")) return;
    var k = key(form);
    clearTimeout(timers[k]);
    timers[k] = setTimeout(function () { save(form); }, 400);
  });

  kx.drafts = { field: field, restore: restore, drop: drop, stop: stop };
})();

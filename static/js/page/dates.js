// Page client: the device's today. A cached form keeps the day it was cached, so its date
// defaults and limits are set again on the phone whenever it opens, in Europe/London (the
// server's rule: a date may be at most a day in the future). A new entry's date field marked
// data-default="today" starts on today; a restored draft (drafts.js) then puts back what was
// typed.
(function () {
  "use strict";
  var kx = window.kx;
  var LONDON = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/London", year: "numeric", month: "2-digit", day: "2-digit" });

  // "YYYY-MM-DD" of now in London.
  function today() {
    var parts = {};
    LONDON.formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  function addDays(iso, days) {
    var d = new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10) + days));
    return d.toISOString().slice(0, 10);
  }

  function isNew(form) {
    var version = form.elements.namedItem("version");
    return !version || !version.value || version.value === "0";
  }

  // Limits always; the default only as the form opens (never over what someone typed).
  function apply(form, opening) {
    var now = today(), latest = addDays(now, 1);
    kx.$all("input[type=date]", form).forEach(function (el) {
      if (el.hasAttribute("max")) el.max = latest;
      if (opening && isNew(form) && el.getAttribute("data-default") === "today") el.value = now;
    });
  }

  function all(opening) { kx.$all("form[data-kind]").forEach(function (f) { apply(f, opening); }); }

  document.addEventListener("DOMContentLoaded", function () { all(true); });
  // A page left open overnight: tomorrow's limits when it is looked at again.
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") all(false); });
  window.addEventListener("pageshow", function () { all(false); });

  kx.dates = { today: today, addDays: addDays, apply: apply };
})();

// Page client: the device's today. A cached form keeps the day it was cached, so its date
// defaults and limits are set again on the phone whenever it opens, in Europe/London (the
// server's rule: a date may be at most a day in the future). A new entry's date field marked
// data-default="today" starts on today; a restored draft (drafts.js) then puts back what was
// typed.
(function () {
  "use strict";
  var kx = window.kx;
  var HOUR = 3600000;

  // 01:00 UTC on the last Sunday of a month (0-based) of a year, in epoch milliseconds.
  function lastSunday(year, month) {
    var end = Date.UTC(year, month + 1, 0);  // the month's last day
    return end - new Date(end).getUTCDay() * 24 * HOUR + HOUR;
  }

  // "YYYY-MM-DD" in London of an instant (now when none is given). By the UK's rule (British
  // Summer Time from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
  // October) rather than Intl.DateTimeFormat with timeZone "Europe/London": that starts ICU's
  // time-zone data, 40-130 ms at 4x CPU on every form page's load (bench trace);
  // tests/browser/test_checks.py holds the two to the same answer.
  function today(at) {
    var ms = at === undefined ? Date.now() : at, year = new Date(ms).getUTCFullYear();
    var summer = ms >= lastSunday(year, 2) && ms < lastSunday(year, 9);
    return new Date(ms + (summer ? HOUR : 0)).toISOString().slice(0, 10);
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

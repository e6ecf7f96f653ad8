// Page client: the one client-side formatter of dates and durations. It writes them as the
// server's list rows do (the Jinja filters "day", kexpwa.web.templating._day, and "duration",
// kexpwa.domain.durations.format_minutes); tests/vectors/format.json holds the cases both
// must agree on, run by pytest and in Chromium.
(function () {
  "use strict";
  var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // "2026-11-26" -> "Thu 26 Nov 2026"; "" for no date; anything else as it is.
  function day(iso) {
    if (!iso) return "";
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso));
    if (!m) return String(iso);
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (d.getUTCMonth() !== +m[2] - 1) return String(iso);  // not a real day
    return DAYS[d.getUTCDay()] + " " + d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }

  // 90 -> "1h 30", 45 -> "45m", 120 -> "2h".
  function duration(minutes) {
    var hours = Math.floor(minutes / 60), rest = minutes % 60;
    if (!hours) return rest + "m";
    return hours + "h" + (rest ? " " + (rest < 10 ? "0" : "") + rest : "");
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  // The device's local time of an instant, as en-GB's toLocaleTimeString with 2-digit hour and
  // minute writes it ("09:05"), and its short day ("Thu 26 Nov"), by hand: the first Intl date
  // format of a page starts ICU's date and time-zone data, 40-130 ms at 4x CPU (bench trace).
  function clock(ms) { var d = new Date(ms); return two(d.getHours()) + ":" + two(d.getMinutes()); }
  function shortDay(ms) {
    var d = new Date(ms);
    return DAYS[d.getDay()] + " " + d.getDate() + " " + MONTHS[d.getMonth()];
  }

  window.kx.format = { day: day, duration: duration, clock: clock, shortDay: shortDay };
})();

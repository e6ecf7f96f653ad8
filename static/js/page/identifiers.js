// Likely identifiers in free text, found on the phone before an entry is saved: the same scan
// as kexpwa/domain/identifiers.py, reading its rules (patterns, validator names, labels, the
// fold table) from #kx-config's "identifiers". Both are held to tests/vectors/identifiers.json
// (tests/browser/test_identifier_vectors.py). Offsets are UTF-16 code units, JavaScript's own.
// Nothing found is logged or stored: the caller shows it and forgets it.
(function () {
  "use strict";
  var kx = window.kx;
  var rules = (kx.config && kx.config.identifiers) || null;
  var FOLD = null, detectors = null;

  // One ASCII code per UTF-16 unit: ASCII as it is, the served ranges, "~" for the rest.
  function foldTable() {
    if (FOLD) return FOLD;
    var table = new Uint8Array(65536), i, r, k;
    for (i = 0; i < 128; i++) table[i] = i;
    for (i = 128; i < 65536; i++) table[i] = 126;
    var ranges = (rules && rules.fold) || [];
    for (i = 0; i < ranges.length; i++) {
      r = ranges[i];
      for (k = 0; k <= r[1] - r[0]; k++) table[r[0] + k] = r[2] + k * r[3];
    }
    FOLD = table;
    return table;
  }

  function fold(text) {
    var table = foldTable(), n = text.length, out = [], chunk = [], i, c;
    for (i = 0; i < n; i++) {
      c = text.charCodeAt(i);
      chunk.push(c < 128 ? c : table[c]);
      if (chunk.length === 4096) { out.push(String.fromCharCode.apply(null, chunk)); chunk = []; }
    }
    out.push(String.fromCharCode.apply(null, chunk));
    return out.join("");
  }

  function digitsOf(text) { return text.replace(/[^0-9]/g, ""); }

  function daysIn(month, year) {
    if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
    return (month === 4 || month === 6 || month === 9 || month === 11) ? 30 : 31;
  }

  function validDate(day, month, year) {
    return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, year);
  }

  function mod11(d) {
    var total = 0, i;
    for (i = 0; i < 9; i++) total += Number(d.charAt(i)) * (10 - i);
    var check = 11 - total % 11;
    if (check === 11) check = 0;
    return check !== 10 && check === Number(d.charAt(9));
  }

  function luhn(d) {
    var total = 0, i, n;
    for (i = 0; i < d.length; i++) {
      n = Number(d.charAt(d.length - 1 - i));
      if (i % 2 === 1) { n *= 2; if (n > 9) n -= 9; }
      total += n;
    }
    return total % 10 === 0;
  }

  var UNISSUED = { BG: 1, GB: 1, KN: 1, NK: 1, NT: 1, TN: 1, ZZ: 1 };
  var LOCAL = { TD13: 1 };
  (function () {
    var n;
    for (n = 1; n <= 17; n++) LOCAL["EH" + n] = 1;
    LOCAL.EH21 = 1;
    for (n = 31; n <= 36; n++) LOCAL["EH" + n] = 1;
    for (n = 39; n <= 42; n++) LOCAL["EH" + n] = 1;
  })();
  var MONTHS = {
    january: 1, february: 2, march: 3, april: 4, may: 5, june: 6, july: 7, august: 8,
    september: 9, october: 10, november: 11, december: 12, sept: 9, jan: 1, feb: 2, mar: 3,
    apr: 4, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12
  };

  // Each answers null (not a finding) or [checked, strong, label key], as in Python.
  var VALIDATORS = {
    chi: function (text) {
      var d = digitsOf(text);
      if (!validDate(Number(d.slice(0, 2)), Number(d.slice(2, 4)), 2000 + Number(d.slice(4, 6)))) return null;
      if (mod11(d)) return [true, false, "chi_mod11"];
      if (luhn(d)) return [true, false, "chi_mod10"];
      return null;
    },
    nino: function (text) {
      return UNISSUED[text.slice(0, 2).toUpperCase()] ? null : [false, false, "nino"];
    },
    postcode: function (text) {
      var compact = text.replace(/ /g, "");
      var outward = compact.slice(0, compact.length - 3).toUpperCase();
      return LOCAL[outward] ? [false, true, "postcode_local"] : [false, false, "postcode"];
    },
    phone: function (text) {
      var d = digitsOf(text), national, ok;
      if (text.charAt(0) === "+" || text.slice(0, 2) === "00") {
        national = text.charAt(0) === "+" ? d.slice(2) : d.slice(4);
        if (text.indexOf("(0)") >= 0) national = national.slice(1);
        ok = national.length === 10;
      } else {
        ok = d.length === 11;
      }
      return ok ? [false, false, "phone"] : null;
    },
    dob: function (text) {
      var parts = text.match(/[0-9]+|[A-Za-z]+/g) || [], numbers = [], names = [], i, p, day, month, year;
      for (i = 0; i < parts.length; i++) {
        p = parts[i];
        if (/^[0-9]+$/.test(p)) numbers.push(Number(p));
        else if (Object.prototype.hasOwnProperty.call(MONTHS, p.toLowerCase())) names.push(MONTHS[p.toLowerCase()]);
      }
      if (names.length) { day = numbers[0]; year = numbers[numbers.length - 1]; month = names[0]; }
      else { day = numbers[0]; month = numbers[1]; year = numbers[2]; if (parts[2].length === 2) year += 2000; }
      if (year < 1900 || year > 2099 || !validDate(day, month, year)) return null;
      return [false, false, "dob"];
    },
    none: function () { return [false, false, ""]; }
  };

  function compiled() {
    if (detectors) return detectors;
    detectors = ((rules && rules.detectors) || []).map(function (d) {
      return { name: d.name, re: new RegExp(d.pattern, "gu"), validator: d.validator, group: d.group };
    });
    return detectors;
  }

  function scan(text) {
    var folded = fold(String(text || "")), found = [], list = compiled(), i, d, m, span, verdict;
    for (i = 0; i < list.length; i++) {
      d = list[i];
      d.re.lastIndex = 0;
      while ((m = d.re.exec(folded)) !== null) {
        // A rule's group, when it has one, ends its match (identifiers.rules() says so), so
        // its offsets follow without the "d" flag that older phones lack.
        span = d.group
          ? [m.index + m[0].length - m[d.group].length, m.index + m[0].length]
          : [m.index, m.index + m[0].length];
        verdict = VALIDATORS[d.validator](folded.slice(span[0], span[1]));
        if (!verdict) continue;
        found.push({
          detector: d.name, start: span[0], end: span[1], order: i,
          checked: verdict[0], strong: verdict[1], label: rules.labels[verdict[2] || d.name]
        });
      }
    }
    found.sort(function (a, b) {
      return (a.start - b.start) || ((b.end - b.start) - (a.end - a.start)) || (a.order - b.order);
    });
    var out = [], reached = 0;
    for (i = 0; i < found.length; i++) {
      if (found[i].start >= reached) {
        out.push({
          detector: found[i].detector, start: found[i].start, end: found[i].end,
          checked: found[i].checked, strong: found[i].strong, label: found[i].label
        });
        reached = found[i].end;
      }
    }
    return out;
  }

  kx.identifiers = {
    ready: !!rules,
    scan: scan,
    fold: fold,
    namesNote: rules ? rules.names_note : ""
  };
})();

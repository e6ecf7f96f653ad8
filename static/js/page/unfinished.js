// Page client, after drafts.js: "Unfinished entries" on the home page. The drafts kept on
// this device (drafts.js writes them), newest first: what kind of entry, which template, when
// it was last typed in and its first words, a link back to the form with that draft, and
// discard with undo.
(function () {
  "use strict";
  var kx = window.kx, D = kx.drafts;
  var discarded = {};  // draft key -> the draft, until the page goes: "Undo" puts it back

  var KINDS = { note: "Fieldwork note", journal: "Journal entry", time: "Time entry", project: "Research project" };

  function title(d) {
    var name = d.heading || KINDS[d.kind] || "Unfinished entry";
    return d.template ? name + " · " + d.template : name;
  }

  function row(d) {
    var li = document.createElement("li");
    li.className = "card";
    li.setAttribute("data-draft-key", d.key);
    var link = li.appendChild(document.createElement("h3")).appendChild(document.createElement("a"));
    link.parentNode.className = "row-title";
    link.href = D.href(d);
    link.textContent = title(d);
    li.appendChild(document.createElement("p")).className = "meta";
    li.lastChild.textContent = "Last typed " + D.when(d.saved);
    if (d.words) {
      var words = li.appendChild(document.createElement("p"));
      words.className = "excerpt";
      words.textContent = "“" + D.firstWords(d.words) + "”";
    }
    var discard = li.appendChild(kx.button("Discard", function () { drop(li, d); }, "link"));
    discard.setAttribute("aria-label", "Discard " + title(d) + ", last typed " + D.when(d.saved));
    return li;
  }

  function drop(li, d) {
    D.remove(d.key).then(function () {
      discarded[d.key] = d;
      li.textContent = "";
      li.appendChild(document.createElement("p")).textContent = "Draft discarded: " + title(d) + ". ";
      var undo = li.lastChild.appendChild(kx.button("Undo", function () { back(d); }, "link"));
      undo.setAttribute("aria-label", "Undo: put back " + title(d));
      undo.focus();
      kx.announce("Draft discarded.");
    }, kx.storageProblem);
  }

  function back(d) {
    D.put(d).then(function () {
      delete discarded[d.key];
      return render();
    }).then(function () {
      var link = kx.$('[data-draft-key="' + d.key + '"] a');
      if (link) link.focus();
      kx.announce("Draft put back.");
    }, kx.storageProblem);
  }

  function render() {
    var section = document.getElementById("unfinished");
    if (!section) return Promise.resolve();
    var list = kx.$("[data-unfinished]", section);
    return D.all().then(function (drafts) {
      list.textContent = "";
      drafts.forEach(function (d) { list.appendChild(row(d)); });
      section.hidden = !drafts.length;
    });
  }

  kx.unfinished = { render: render };
})();

// 分档 rows of the 预警规则 form: add and remove bands and keep the formset numbering (band-N-*) contiguous.
// The page works without it: it shows the rule's bands and two blank rows, and a row cleared of its three fields is
// no band.
(function () {
  "use strict";
  var form = document.getElementById("rule-form");
  var table = document.getElementById("jx-band-table");
  var template = document.getElementById("jx-band-empty");
  var add = document.getElementById("jx-band-add");
  if (!form || !table || !template || !add) { return; }
  var body = table.querySelector("tbody");
  var PATTERN = /band-(\d+|__prefix__)-/g;

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr.jx-band-row")); }

  function blank(row) {
    return Array.prototype.every.call(row.querySelectorAll("[data-band-field]"), function (el) { return !el.value; });
  }

  function renumber() {
    rows().forEach(function (row, index) {
      row.querySelectorAll("[name],[id],label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(PATTERN, "band-" + index + "-")); }
        });
      });
      var seq = row.querySelector(".jx-band-seq");
      if (seq) { seq.textContent = String(index + 1); }
    });
    form.querySelector("#id_band-TOTAL_FORMS").value = String(rows().length);
    form.querySelector("#id_band-INITIAL_FORMS").value = "0";
  }

  function show(row) {
    var button = row.querySelector(".jx-band-remove");
    if (button) { button.classList.remove("d-none"); }
  }

  // With the buttons at hand, the blank rows drawn for a page without scripts are not needed: keep one row at least.
  rows().forEach(function (row) {
    if (blank(row) && rows().length > 1 && !row.querySelector(".invalid-feedback")) { row.remove(); }
  });
  rows().forEach(show);
  add.classList.remove("d-none");
  renumber();

  add.addEventListener("click", function () {
    var row = template.content.querySelector("tr").cloneNode(true);
    body.appendChild(row);
    show(row);
    renumber();
    var first = row.querySelector("select,input");
    if (first) { first.focus(); }
  });

  body.addEventListener("click", function (event) {
    var button = event.target.closest("button.jx-band-remove");
    if (!button) { return; }
    button.closest("tr.jx-band-row").remove();
    renumber();
  });
})();

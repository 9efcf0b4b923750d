// 年度主要任务 rows of the department-overall target form: add and remove rows and keep the formset
// numbering (task-N-*) contiguous. The form still works without it.
(function () {
  "use strict";
  var form = document.getElementById("target-form");
  var table = document.getElementById("jx-task-table");
  var template = document.getElementById("jx-task-empty");
  if (!form || !table || !template) { return; }
  var body = table.querySelector("tbody");
  var PATTERN = /task-(\d+|__prefix__)-/g;

  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr.jx-task-row")); }

  function renumber() {
    rows().forEach(function (row, index) {
      row.querySelectorAll("[name],[id],label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(PATTERN, "task-" + index + "-")); }
        });
      });
      var seq = row.querySelector(".jx-task-seq");
      if (seq) { seq.textContent = String(index + 1); }
    });
    form.querySelector("#id_task-TOTAL_FORMS").value = String(rows().length);
    // Rows are identified by position, so every row left on the page is validated as entered.
    form.querySelector("#id_task-INITIAL_FORMS").value = "0";
  }

  document.getElementById("jx-task-add").addEventListener("click", function () {
    var row = template.content.querySelector("tr").cloneNode(true);
    body.appendChild(row);
    renumber();
    var first = row.querySelector("input");
    if (first) { first.focus(); }
  });

  body.addEventListener("click", function (event) {
    var button = event.target.closest("button.jx-task-remove");
    if (!button) { return; }
    button.closest("tr.jx-task-row").remove();
    renumber();
  });
})();

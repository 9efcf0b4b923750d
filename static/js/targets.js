// Indicator grid of the target form: add, remove and reorder rows, narrow 二级 to the chosen 一级,
// and search the indicator library as the user types a 三级 name. The form still works without it.
(function () {
  "use strict";
  var form = document.getElementById("target-form");
  if (!form) { return; }
  var table = document.getElementById("jx-ind-table");
  var template = document.getElementById("jx-ind-empty");
  var searchUrl = form.getAttribute("data-search-url");
  var framework = form.getAttribute("data-framework") || "";
  var PATTERN = /ind-(\d+|__prefix__)-/g;

  function rows() { return Array.prototype.slice.call(table.querySelectorAll("tbody.jx-ind-row")); }

  function renumber() {
    rows().forEach(function (row, index) {
      row.querySelectorAll("[name],[id],label[for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(PATTERN, "ind-" + index + "-")); }
        });
      });
      var seq = row.querySelector(".jx-ind-seq");
      if (seq) { seq.textContent = String(index + 1); }
    });
    form.querySelector("#id_ind-TOTAL_FORMS").value = String(rows().length);
    // Rows are identified by position, so every row left on the page is validated as entered.
    form.querySelector("#id_ind-INITIAL_FORMS").value = "0";
  }

  function narrow(row) {
    var lv1 = row.querySelector(".jx-lv1");
    var lv2 = row.querySelector(".jx-lv2");
    if (!lv1 || !lv2) { return; }
    Array.prototype.forEach.call(lv2.options, function (option) {
      var parent = option.getAttribute("data-parent");
      option.hidden = Boolean(parent && lv1.value && parent !== lv1.value);
    });
    var chosen = lv2.options[lv2.selectedIndex];
    if (chosen && chosen.hidden) { lv2.value = ""; }
  }

  function selectByText(select, text) {
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.textContent.trim() === text) { select.value = option.value; }
    });
  }

  function field(row, name) { return row.querySelector("[data-field='" + name + "']"); }

  function pick(row, item) {
    selectByText(row.querySelector(".jx-lv1"), item.lv1);
    narrow(row);
    selectByText(row.querySelector(".jx-lv2"), item.lv2);
    row.querySelector(".jx-ind-name").value = item.name;
    field(row, "operator").value = item.operator;
    field(row, "target_text").value = item.typical_value || "";
    field(row, "unit").value = item.unit || "";
    field(row, "explanation").value = item.explanation || "";
    field(row, "scoring_standard").value = item.scoring_standard || "";
    // 取值依据: the row's select (no data-field of its own), set to the library's choice.
    var basis = row.querySelector("select[name$='-value_basis']");
    if (basis) { basis.value = item.value_basis || ""; }
    var core = row.querySelector("input[name$='-is_core']");
    if (core) { core.checked = Boolean(item.is_core); }
    field(row, "library_item").value = String(item.id);
    hide(row);
  }

  function hide(row) {
    var box = row.querySelector(".jx-ind-suggest");
    box.classList.add("d-none");
    box.innerHTML = "";
  }

  function show(row, results) {
    var box = row.querySelector(".jx-ind-suggest");
    box.innerHTML = "";
    if (!results.length) {
      // Say so rather than show nothing: the user may keep the typed name as a 自定义 indicator.
      var none = document.createElement("div");
      none.className = "list-group-item small text-muted jx-ind-none";
      none.textContent = "指标库中未找到匹配的指标，可继续填写为自定义指标";
      box.appendChild(none);
      box.classList.remove("d-none");
      return;
    }
    results.forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "list-group-item list-group-item-action small jx-ind-option";
      var title = document.createElement("div");
      title.className = "fw-semibold";
      title.textContent = item.name + (item.is_core ? "（核心）" : "");
      var meta = document.createElement("div");
      meta.className = "text-muted";
      meta.textContent = item.lv1 + " / " + item.lv2 + " · " + item.operator_label + " " + (item.typical_value || "") + " " + (item.unit || "");
      button.appendChild(title);
      button.appendChild(meta);
      button.addEventListener("mousedown", function (event) { event.preventDefault(); pick(row, item); });
      box.appendChild(button);
    });
    box.classList.remove("d-none");
  }

  var timer = null;
  function search(row) {
    var input = row.querySelector(".jx-ind-name");
    var query = input.value.trim();
    if (!query) { hide(row); return; }
    var params = new URLSearchParams({ q: query, framework: framework });
    var lv1 = row.querySelector(".jx-lv1").value;
    var lv2 = row.querySelector(".jx-lv2").value;
    if (lv2) { params.set("lv2", lv2); } else if (lv1) { params.set("lv1", lv1); }
    fetch(searchUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        // A failed search (rate limit, error) shows nothing rather than claim the library has no such indicator.
        if (data === null) { hide(row); return; }
        if (input.value.trim() === query) { show(row, data.results || []); }
      })
      .catch(function () { hide(row); });
  }

  document.getElementById("jx-ind-add").addEventListener("click", function () {
    var row = template.content.firstElementChild.cloneNode(true);
    table.appendChild(row);
    renumber();
    narrow(row);
    row.querySelector(".jx-lv1").focus();
  });

  table.addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) { return; }
    var row = button.closest("tbody.jx-ind-row");
    if (button.classList.contains("jx-ind-remove")) { row.remove(); renumber(); }
    if (button.classList.contains("jx-ind-up") && row.previousElementSibling && row.previousElementSibling.matches("tbody.jx-ind-row")) {
      table.insertBefore(row, row.previousElementSibling); renumber();
    }
    if (button.classList.contains("jx-ind-down") && row.nextElementSibling) {
      table.insertBefore(row.nextElementSibling, row); renumber();
    }
  });

  table.addEventListener("change", function (event) {
    if (event.target.classList.contains("jx-lv1")) { narrow(event.target.closest("tbody.jx-ind-row")); }
  });

  table.addEventListener("input", function (event) {
    if (!event.target.classList.contains("jx-ind-name")) { return; }
    var row = event.target.closest("tbody.jx-ind-row");
    field(row, "library_item").value = "";
    clearTimeout(timer);
    timer = setTimeout(function () { search(row); }, 250);
  });

  table.addEventListener("keydown", function (event) {
    if (!event.target.classList.contains("jx-ind-name")) { return; }
    var row = event.target.closest("tbody.jx-ind-row");
    if (event.key === "Escape") { hide(row); }
    if (event.key === "Enter") {
      var first = row.querySelector(".jx-ind-option");
      if (first) { event.preventDefault(); first.dispatchEvent(new MouseEvent("mousedown")); }
    }
  });

  table.addEventListener("focusout", function (event) {
    if (event.target.classList.contains("jx-ind-name")) {
      var row = event.target.closest("tbody.jx-ind-row");
      setTimeout(function () { hide(row); }, 150);
    }
  });

  rows().forEach(narrow);
})();

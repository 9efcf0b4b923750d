// Search-as-you-type for list filters with many possible rows (主管部门, 预算单位): see jixiao/core/filters.py.
// Markup: .jx-autocomplete[data-jx-autocomplete=url] > input[type=hidden][data-jx-ac-value] +
// input[data-jx-ac-input] + div[data-jx-ac-list]. The endpoint answers {"results": [{id, text, hint}]}.
// Several rows (.jx-autocomplete[data-jx-ac-multiple]): each choice becomes a badge in div[data-jx-ac-chosen],
// a copy of template[data-jx-ac-chip-template] carrying a hidden input named after the field; its button removes it.
(function () {
  "use strict";
  var DELAY_MS = 200;

  function parts(el) {
    var box = el.closest(".jx-autocomplete");
    if (!box) { return null; }
    return {
      box: box,
      value: box.querySelector("[data-jx-ac-value]"),
      chosen: box.querySelector("[data-jx-ac-chosen]"),
      input: box.querySelector("[data-jx-ac-input]"),
      list: box.querySelector("[data-jx-ac-list]")
    };
  }

  function close(p) {
    p.list.classList.add("d-none");
    p.list.innerHTML = "";
    p.input.setAttribute("aria-expanded", "false");
  }

  function addChip(p, id, text) {
    var taken = Array.prototype.some.call(p.chosen.querySelectorAll("input[type=hidden]"), function (i) { return i.value === id; });
    if (taken) { return; }
    // A copy of the empty badge the page rendered (jixiao/core/filters.py CHIP), filled with the row.
    var chip = p.box.querySelector("template[data-jx-ac-chip-template]").content.firstElementChild.cloneNode(true);
    chip.insertBefore(document.createTextNode(text), chip.firstChild);
    chip.querySelector("input[type=hidden]").value = id;
    p.chosen.appendChild(chip);
  }

  function choose(p, item) {
    if (p.chosen) {  // several rows: add a badge and clear the box for the next search
      addChip(p, item.getAttribute("data-id"), item.getAttribute("data-text"));
      p.input.value = "";
      p.input.classList.remove("is-invalid");
      close(p);
      return;
    }
    p.value.value = item.getAttribute("data-id");
    p.input.value = item.getAttribute("data-text");
    p.input.classList.remove("is-invalid");
    close(p);
    p.value.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function show(p, results, asked) {
    p.list.innerHTML = "";
    p.list.setAttribute("data-jx-ac-q", asked);  // which search these rows answer (an earlier one may still be shown)
    if (!results.length) {
      var none = document.createElement("div");
      none.className = "list-group-item small text-muted py-1";
      none.textContent = "没有匹配的结果";
      p.list.appendChild(none);
    }
    results.forEach(function (row) {
      var item = document.createElement("button");
      item.type = "button";
      item.className = "list-group-item list-group-item-action small py-1";
      item.setAttribute("role", "option");
      item.setAttribute("data-id", row.id);
      item.setAttribute("data-text", row.text);
      item.textContent = row.text;
      if (row.hint) {
        var hint = document.createElement("span");
        hint.className = "text-muted ms-1";
        hint.textContent = row.hint;
        item.appendChild(hint);
      }
      p.list.appendChild(item);
    });
    p.list.style.maxHeight = "20rem";  // CSSOM, not a style attribute: allowed by the CSP
    p.list.classList.remove("d-none");
    p.input.setAttribute("aria-expanded", "true");
  }

  function search(p) {
    var base = p.box.getAttribute("data-jx-autocomplete");
    var url = base + (base.indexOf("?") >= 0 ? "&" : "?") + "q=" + encodeURIComponent(p.input.value.trim());
    var asked = p.input.value;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { if (p.input.value === asked && document.activeElement === p.input) { show(p, data.results || [], asked.trim()); } })
      .catch(function () { close(p); });
  }

  var timer = null;
  document.addEventListener("input", function (event) {
    var p = event.target.matches && event.target.matches("[data-jx-ac-input]") ? parts(event.target) : null;
    if (!p) { return; }
    // The typed text no longer names the chosen row: forget the id until a suggestion is picked.
    if (p.value) { p.value.value = ""; }
    clearTimeout(timer);
    timer = setTimeout(function () { search(p); }, DELAY_MS);
  });

  document.addEventListener("focusin", function (event) {
    var p = event.target.matches && event.target.matches("[data-jx-ac-input]") ? parts(event.target) : null;
    if (p && !(p.value && p.value.value)) { search(p); }
  });

  document.addEventListener("keydown", function (event) {
    var p = event.target.matches && event.target.matches("[data-jx-ac-input]") ? parts(event.target) : null;
    if (!p || p.list.classList.contains("d-none")) { return; }
    var items = Array.prototype.slice.call(p.list.querySelectorAll("[data-id]"));
    var current = items.indexOf(p.list.querySelector(".active"));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!items.length) { return; }
      if (current >= 0) { items[current].classList.remove("active"); }
      current = event.key === "ArrowDown" ? (current + 1) % items.length : (current - 1 + items.length) % items.length;
      items[current].classList.add("active");
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      choose(p, items[current]);
    } else if (event.key === "Escape") {
      close(p);
    }
  });

  document.addEventListener("click", function (event) {
    var remove = event.target.closest && event.target.closest("[data-jx-ac-remove]");
    if (remove) { remove.closest("[data-jx-ac-chip]").remove(); }
  });

  document.addEventListener("mousedown", function (event) {
    var item = event.target.closest && event.target.closest("[data-jx-ac-list] [data-id]");
    if (item) {
      event.preventDefault();  // keep the focus in the input until the choice is made
      choose(parts(item), item);
      return;
    }
    document.querySelectorAll(".jx-autocomplete [data-jx-ac-list]:not(.d-none)").forEach(function (list) {
      if (!list.closest(".jx-autocomplete").contains(event.target)) { close(parts(list)); }
    });
  });

  document.addEventListener("focusout", function (event) {
    var p = event.target.matches && event.target.matches("[data-jx-ac-input]") ? parts(event.target) : null;
    if (!p) { return; }
    // Text typed but nothing picked: flag it, the filter would otherwise be silently ignored.
    p.input.classList.toggle("is-invalid", p.input.value.trim() !== "" && !(p.value && p.value.value));
    setTimeout(function () { if (document.activeElement !== p.input) { close(p); } }, 150);
  });
})();

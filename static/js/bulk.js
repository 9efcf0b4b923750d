// 批量审核 on review lists (templates/includes/bulk_bar.html): select all rows of the page, the count of ticked rows,
// and a confirmation naming the count before the batch is sent. Without JavaScript the buttons submit directly and
// the server checks the same things (a reason for a return, at least one row).
(function () {
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function bulkForm(el) { return el && el.closest ? el.closest("form[data-bulk-form]") : null; }
  function boxes(form) { return form.querySelectorAll("input[type=checkbox][name=ids]"); }
  function ticked(form) {
    var n = 0;
    each(boxes(form), function (box) { if (box.checked) { n += 1; } });
    return n;
  }

  function refresh(form) {
    var total = boxes(form).length;
    var n = ticked(form);
    each(form.querySelectorAll("[data-bulk-count]"), function (el) { el.textContent = String(n); });
    var all = form.querySelector("[data-bulk-all]");
    if (all) {
      all.checked = n > 0 && n === total;
      all.indeterminate = n > 0 && n < total;
    }
    each(form.querySelectorAll("[data-bulk-action]"), function (button) { button.disabled = n === 0; });
  }

  function refreshAll() { each(document.querySelectorAll("form[data-bulk-form]"), refresh); }

  document.addEventListener("change", function (event) {
    var el = event.target;
    var form = bulkForm(el);
    if (!form) { return; }
    if (el.hasAttribute("data-bulk-all")) {
      each(boxes(form), function (box) { box.checked = el.checked; });
    }
    refresh(form);
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-bulk-action]");
    var form = bulkForm(button);
    if (!form || !window.bootstrap) { return; }
    event.preventDefault();
    var comment = form.querySelector("[data-bulk-comment]");
    var text = comment ? comment.value.trim() : "";
    var isReturn = button.hasAttribute("data-bulk-reason");
    if (isReturn && !text) {
      comment.classList.add("is-invalid");
      comment.focus();
      return;
    }
    if (comment) { comment.classList.remove("is-invalid"); }
    var modal = form.querySelector("[data-bulk-modal]");
    var ok = modal.querySelector("[data-bulk-confirm]");
    modal.querySelector("[data-bulk-title]").textContent = button.textContent.trim();
    modal.querySelector("[data-bulk-question]").textContent =
      "确定对所选 " + ticked(form) + " 项执行“" + button.getAttribute("data-bulk-label") + "”？";
    modal.querySelector("[data-bulk-opinion]").textContent =
      text ? (isReturn ? "退回原因：" : "审核意见：") + text : "（未填写审核意见）";
    ok.className = "btn btn-sm " + (isReturn ? "btn-warning" : "btn-success");
    ok.textContent = isReturn ? "确定退回" : "确定通过";
    ok.disabled = false;
    form.querySelector("[data-bulk-chosen]").value = button.value;
    window.bootstrap.Modal.getOrCreateInstance(modal).show();
  });

  document.addEventListener("click", function (event) {
    var ok = event.target.closest && event.target.closest("[data-bulk-confirm]");
    var form = bulkForm(ok);
    if (!form) { return; }
    ok.disabled = true;  // one batch per click
    form.querySelector("[data-bulk-chosen]").disabled = false;
    form.submit();
  });

  document.addEventListener("DOMContentLoaded", refreshAll);
  document.addEventListener("htmx:afterSwap", refreshAll);
})();

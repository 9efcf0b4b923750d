// Background job page: size the progress bar from its data attribute (also after each htmx poll swaps the
// panel) and ask before cancelling. No inline script: the CSP allows scripts from 'self' only.
(function () {
  "use strict";
  function sizeBars(root) {
    root.querySelectorAll(".jx-job-bar[data-percent]").forEach(function (bar) {
      bar.style.width = bar.getAttribute("data-percent") + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { sizeBars(document); });
  document.body.addEventListener("htmx:afterSwap", function () { sizeBars(document); });
  document.addEventListener("submit", function (event) {
    if (event.target.querySelector(".jx-job-cancel") && !window.confirm("确定取消该任务吗？已处理的数据不会保存。")) {
      event.preventDefault();
    }
  });
})();

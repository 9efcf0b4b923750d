// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el && el.classList && el.classList.contains("jx-autosubmit") && el.form) { el.form.submit(); }
});
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute && form.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
document.addEventListener("click", function (event) {
  var el = event.target;
  if (el && el.classList && el.classList.contains("jx-print")) { window.print(); }
});
// Lists filtered in place (htmx, with the address kept in step): an export link takes the filter shown now, not the
// one the page was first loaded with.
document.addEventListener("click", function (event) {
  var link = event.target && event.target.closest && event.target.closest("a[data-follow-filter]");
  if (link) { link.href = link.href.split("?")[0] + window.location.search; }
});

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

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
// A register form (one carrying the one-time `submit_token`, core.once): its buttons are disabled once it is sent,
// so a double click sends one request (the server refuses a second one anyway). Disabled after the event, so the
// pressed button's own value is still sent; enabled again when the page comes back from the browser's history.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (event.defaultPrevented || !form.querySelector || !form.querySelector('input[name="submit_token"]')) { return; }
  window.setTimeout(function () {
    form.querySelectorAll('button[type="submit"], input[type="submit"]').forEach(function (b) { b.disabled = true; });
  }, 0);
});
window.addEventListener("pageshow", function () {
  document.querySelectorAll('input[name="submit_token"]').forEach(function (input) {
    input.form && input.form.querySelectorAll('button[type="submit"], input[type="submit"]').forEach(function (b) {
      b.disabled = false;
    });
  });
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

// The idle warning. The server ends a session after `data-idle-seconds` without a request (SessionPolicyMiddleware);
// a unit typing a long 自评 or 监控表 for half an hour sends none, and its text would be lost on 保存. So: typing or
// clicking counts as work and tells the server so (POST keepalive) at most every five minutes; two minutes before
// the end a warning counts down with 继续使用; at the end the page says so and keeps what was typed. The server is
// asked (GET keepalive, which moves nothing) before warning, so another tab's work is seen.
(function () {
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var url = body.getAttribute("data-keepalive-url");
  var box = document.getElementById("jx-idle");
  if (!idle || !url || !box) { return; }
  var SLACK = 60;  // the server notes a visit to the minute: count this page's load a minute early
  var WARN = Math.min(120, Math.floor(idle / 2));
  var PING = Math.min(300, idle - WARN);
  var contact = Date.now() - SLACK * 1000;
  var activity = 0, asked = 0, busy = false, ended = false;
  var text = box.querySelector("[data-idle-text]");
  function token() {
    try { return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }
  function show(message, over) {
    text.textContent = message;
    box.querySelector("[data-idle-continue]").classList.toggle("d-none", over);
    box.querySelector("[data-idle-login]").classList.toggle("d-none", !over);
    box.classList.remove("d-none");
  }
  function end() {
    ended = true;
    show("由于长时间未操作，登录已失效。本页未保存的内容仍在，请先复制保存，再重新登录。", true);
  }
  function call(method) {
    if (busy || ended) { return; }
    busy = true;
    // Busy until the answer is read: a tick between the response and its body would see the old contact time and
    // send a second POST, which could reach the server after a later, real pause began.
    fetch(url, { method: method, credentials: "same-origin", redirect: "manual", headers: { "X-CSRFToken": token() } })
      .then(function (response) {
        return response.ok ? response.json() : { ended: true };  // sent to the login page: the session has ended
      })
      .then(function (data) {
        busy = false;
        if (data.ended) { end(); return; }
        contact = Date.now() - (data.idle_seconds - data.remaining) * 1000;
        if (data.remaining > WARN) { box.classList.add("d-none"); }
        tick();
      })
      .catch(function () { busy = false; });  // the network, not the session: try again at the next tick
  }
  function tick() {
    if (ended) { return; }
    var now = Date.now();
    var since = (now - contact) / 1000;
    if (activity > contact && since >= PING) { call("POST"); return; }
    if (since >= idle - WARN && now - asked >= 30000) { asked = now; call("GET"); return; }
    if (since >= idle) { if (!busy) { asked = now; call("GET"); } return; }
    if (since >= idle - WARN) {
      show("您已较长时间未操作，约 " + Math.max(0, Math.round(idle - since)) + " 秒后将自动退出登录。正在填写的内容请及时保存。", false);
    }
  }
  ["keydown", "input", "change", "click"].forEach(function (name) {
    document.addEventListener(name, function () { activity = Date.now(); }, true);
  });
  box.querySelector("[data-idle-continue]").addEventListener("click", function () { activity = Date.now(); call("POST"); });
  document.addEventListener("htmx:afterRequest", function () { contact = Math.max(contact, Date.now() - SLACK * 1000); });
  window.setInterval(tick, 5000);
})();

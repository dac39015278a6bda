// Moderator dashboard: keyboard shortcuts on the queue, and the statistics charts.
// No inline scripts (the CSP forbids them); every request carries the page's CSRF token.
(function () {
  "use strict";

  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var base = "/dashboard";
  var lastEvents = [];
  var toastTimer = null;

  function post(path, body) {
    return fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function cards() { return Array.prototype.slice.call(document.querySelectorAll(".card")); }
  function current() { return document.querySelector(".card.current"); }

  function focusCard(card) {
    var old = current();
    if (old) { old.classList.remove("current"); }
    if (!card) { return; }
    card.classList.add("current");
    card.focus({ preventScroll: true });
    card.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = cards();
    if (!all.length) { return; }
    var i = all.indexOf(current());
    focusCard(all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))]);
  }

  function toast(text, undoable) {
    var box = document.getElementById("toast");
    if (!box) { return; }
    box.textContent = text;
    if (undoable) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "Undo (u)";
      button.addEventListener("click", undoLast);
      box.appendChild(document.createTextNode(" "));
      box.appendChild(button);
    }
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; lastEvents = []; }, 15000);
  }

  function decide(action) {
    var card = current();
    if (!card) { return; }
    var select = card.querySelector("select.reason");
    var body = { ids: [Number(card.dataset.id)], action: action };
    if (action === "reject") { body.reason = select ? select.value : "other"; }
    var next = card.nextElementSibling;
    card.classList.add("busy");
    post("/decide.json", body).then(function (data) {
      lastEvents = data.events;
      card.remove();
      focusCard(next && next.classList.contains("card") ? next : cards()[0]);
      toast((action === "approve" ? "Approved" : "Rejected") + " #" + body.ids[0] + ".", true);
    }).catch(function (err) {
      card.classList.remove("busy");
      toast("Could not save: " + err.message, false);
    });
  }

  function undoLast() {
    if (!lastEvents.length) { return; }
    post("/undo.json", { events: lastEvents }).then(function () {
      lastEvents = [];
      window.location.reload();
    });
  }

  function toggleSelect() {
    var card = current();
    var box = card && card.querySelector('input[type="checkbox"]');
    if (box) { box.checked = !box.checked; }
  }

  function onKey(event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (tag === "input" || tag === "textarea" || tag === "select") { return; }
    var actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      a: function () { decide("approve"); },
      r: function () { decide("reject"); },
      x: toggleSelect,
      u: undoLast,
      "?": function () { var h = document.getElementById("help"); h.hidden = !h.hidden; }
    };
    var run = actions[event.key];
    if (run) { event.preventDefault(); run(); }
  }

  function initQueue() {
    if (!document.getElementById("queue-form")) { return; }
    document.addEventListener("keydown", onKey);
    document.documentElement.dataset.keys = "ready";
    focusCard(cards()[0]);
  }

  function chart(id, type, labels, datasets, extra) {
    var el = document.getElementById(id);
    if (!el || !window.Chart) { return; }
    var options = { animation: false, responsive: true, scales: { y: { beginAtZero: true } } };
    new window.Chart(el, { type: type, data: { labels: labels, datasets: datasets }, options: Object.assign(options, extra || {}) });
  }

  function initCharts() {
    var box = document.getElementById("charts");
    if (!box) { return; }
    fetch(box.dataset.src, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (s) {
      var outcomes = Object.keys(s.per_day).map(function (k) { return { label: k, data: s.per_day[k] }; });
      chart("chart-outcomes", "bar", s.days, outcomes, { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } });
      var decisions = Object.keys(s.decisions).map(function (k) { return { label: k, data: s.decisions[k] }; });
      chart("chart-decisions", "line", s.days, decisions);
      var cats = Object.keys(s.overturn);
      chart("chart-overturn", "bar", cats, [{ label: "overturn rate (%)", data: cats.map(function (c) { return 100 * s.overturn[c].rate; }) }]);
      box.dataset.drawn = "yes";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { initQueue(); initCharts(); });
})();

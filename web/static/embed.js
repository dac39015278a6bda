/*
 * Comment widget for moderation: embed with
 *   <script src="https://HOST/embed.js" data-site="SITE" data-thread="ARTICLE-ID" async></script>
 *
 * The widget goes inside <div id="moderation-comments"> if the page has one, else right after
 * the script tag. Plain JavaScript, no framework. Everything the server or a reader sent is rendered with
 * textContent, never innerHTML. No inline scripts or <style>: the stylesheet is a <link> to
 * HOST/static/embed.css and the only inline styling is element.style (allowed by a strict CSP).
 */
(function () {
  "use strict";

  var RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16000, 30000];
  var PAGE_SIZE = 50;
  var MAX_AUTHOR = 80;
  var MAX_TEXT = 5000;

  function ownScript() {
    // document.currentScript works for async scripts too (it is set while the script runs).
    if (document.currentScript) return document.currentScript;
    var found = document.querySelectorAll("script[src][data-site][data-thread]");
    return found[found.length - 1] || null;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      node.setAttribute(name, attrs[name]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Not a secure context (plain http on a non-localhost host): a v4 UUID from getRandomValues.
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function formatTime(iso) {
    var date = iso ? new Date(iso) : new Date();
    if (isNaN(date.getTime())) return "";
    return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  /* ---- the widget ---------------------------------------------------------------------- */

  function Widget(script) {
    this.site = script.getAttribute("data-site");
    this.thread = script.getAttribute("data-thread");
    this.server = new URL(".", script.src).href.replace(/\/$/, "");
    this.api = this.server + "/api/v1/sites/" + encodeURIComponent(this.site) +
      "/threads/" + encodeURIComponent(this.thread) + "/comments";
    this.draftKey = null; // idempotency key of the current draft; kept across retries
    this.retryTimer = null;
    this.attempt = 0;
    this.next = null;
    this.seen = {};
    this.build(script);
  }

  Widget.prototype.build = function (script) {
    var root = el("section", { "class": "mw", "aria-labelledby": "mw-title" });
    root.appendChild(el("h2", { id: "mw-title", "class": "mw-title" }, "Comments"));
    this.list = el("ol", { "class": "mw-list", "aria-label": "Published comments" });
    this.empty = el("p", { "class": "mw-empty" }, "Loading comments…");
    this.more = el("button", { type: "button", "class": "mw-more" }, "Show more comments");
    this.more.hidden = true;
    this.more.addEventListener("click", this.loadPage.bind(this));
    root.appendChild(this.empty);
    root.appendChild(this.list);
    root.appendChild(this.more);
    root.appendChild(this.buildForm());
    place(root, script);
    this.root = root;
  };

  // Inside <div id="moderation-comments"> when the page has one, else right after the script
  // (or at the end of <body> when the script sits in <head>).
  function place(root, script) {
    var host = document.getElementById("moderation-comments");
    if (host) host.appendChild(root);
    else if (script.parentNode && script.parentNode !== document.head) {
      script.parentNode.insertBefore(root, script.nextSibling);
    } else document.body.appendChild(root);
  }

  Widget.prototype.buildForm = function () {
    var form = el("form", { "class": "mw-form", novalidate: "" });
    form.appendChild(el("h3", { "class": "mw-form-title" }, "Join the discussion"));
    this.author = el("input", {
      id: "mw-author", name: "author", type: "text", autocomplete: "name",
      maxlength: String(MAX_AUTHOR), required: "",
    });
    this.text = el("textarea", {
      id: "mw-text", name: "text", rows: "5", maxlength: String(MAX_TEXT), required: "",
    });
    form.appendChild(this.field("mw-author", "Name", this.author));
    form.appendChild(this.field("mw-text", "Comment", this.text));
    form.appendChild(this.honeypot());
    this.button = el("button", { type: "submit", "class": "mw-submit" }, "Post comment");
    form.appendChild(this.button);
    // The status region: announced politely, and focused after each outcome.
    this.status = el("div", { "class": "mw-status", role: "status", "aria-live": "polite", tabindex: "-1" });
    form.appendChild(this.status);
    var self = this;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
    // An edited draft is a new submission: it gets a new key, and a pending retry of the old
    // text is called off.
    [this.author, this.text].forEach(function (input) {
      input.addEventListener("input", function () { self.draftChanged(); });
    });
    this.form = form;
    return form;
  };

  Widget.prototype.field = function (id, label, input) {
    var wrap = el("div", { "class": "mw-field" });
    wrap.appendChild(el("label", { "for": id }, label));
    wrap.appendChild(input);
    return wrap;
  };

  Widget.prototype.honeypot = function () {
    // Bots fill every field; people never see this one and screen readers skip it.
    var wrap = el("div", { "class": "mw-hp", "aria-hidden": "true" });
    wrap.style.position = "absolute";
    wrap.style.left = "-10000px";
    wrap.style.width = "1px";
    wrap.style.height = "1px";
    wrap.style.overflow = "hidden";
    this.trap = el("input", { type: "text", name: "homepage", tabindex: "-1", autocomplete: "off" });
    wrap.appendChild(el("label", {}, "Leave this field empty"));
    wrap.lastChild.appendChild(this.trap);
    return wrap;
  };

  /* ---- reading ------------------------------------------------------------------------- */

  Widget.prototype.loadPage = function () {
    var self = this;
    var url = this.api + "?limit=" + PAGE_SIZE + (this.next ? "&after=" + encodeURIComponent(this.next) : "");
    this.more.disabled = true;
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.json();
      })
      .then(function (body) {
        body.comments.forEach(function (c) { self.append(c, false); });
        self.next = body.next || null;
        self.more.hidden = !self.next;
        self.refreshEmpty();
        self.root.setAttribute("data-state", "ready");
      })
      .catch(function () {
        self.empty.hidden = false;
        self.empty.textContent = "Comments could not be loaded. Reload the page to try again.";
      })
      .then(function () { self.more.disabled = false; });
  };

  Widget.prototype.append = function (comment, fresh) {
    if (this.seen[comment.id]) return;
    this.seen[comment.id] = true;
    var item = el("li", { "class": fresh ? "mw-comment mw-fresh" : "mw-comment", "data-id": String(comment.id) });
    var meta = el("p", { "class": "mw-meta" });
    meta.appendChild(el("span", { "class": "mw-author" }, comment.author || "Anonymous"));
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(el("time", { datetime: comment.created_at || new Date().toISOString() },
      formatTime(comment.created_at)));
    item.appendChild(meta);
    item.appendChild(el("p", { "class": "mw-text" }, comment.text));
    this.list.appendChild(item);
  };

  Widget.prototype.refreshEmpty = function () {
    var none = !this.list.firstChild;
    this.empty.hidden = !none;
    if (none) this.empty.textContent = "No comments yet. Be the first.";
  };

  /* ---- writing ------------------------------------------------------------------------- */

  Widget.prototype.submit = function () {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    var author = this.author.value.trim();
    var text = this.text.value;
    if (!author || !text.trim()) {
      this.say("Please enter your name and a comment.", "error");
      (author ? this.text : this.author).focus();
      return;
    }
    if (!this.draftKey) this.draftKey = newKey();
    this.attempt = 0; // a press of the button starts a fresh series of retries
    this.send({ author: author, text: text, idempotency_key: this.draftKey, homepage: this.trap.value,
      url: pageUrl(), title: document.title.slice(0, 500) || null });
  };

  // The article's address for moderators: no query or fragment (tracking, tokens), http(s) only.
  function pageUrl() {
    var loc = window.location;
    if (loc.protocol !== "http:" && loc.protocol !== "https:") return null;
    return (loc.origin + loc.pathname).slice(0, 2048);
  }

  Widget.prototype.send = function (payload) {
    var self = this;
    this.setBusy(true);
    fetch(this.api, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(payload),
    })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (body) {
          self.setBusy(false);
          self.outcome(resp, body, payload);
        });
      })
      .catch(function () {
        self.setBusy(false);
        self.retryLater(payload);
      });
  };

  Widget.prototype.outcome = function (resp, body, payload) {
    if (resp.status >= 500) return this.retryLater(payload);
    if (body.status === "published") return this.published(body, payload);
    if (body.status === "pending") {
      return this.done("Thanks! Your comment is awaiting review by a moderator.", "pending", payload);
    }
    if (body.status === "rejected") return this.rejected(body);
    if (resp.status === 429) {
      var wait = parseInt(resp.headers.get("Retry-After"), 10) || 60;
      return this.say("You are posting too quickly. Your comment is kept; please try again in " +
        wait + " seconds.", "error");
    }
    this.say(body.message || "Your comment could not be posted (error " + resp.status + ").", "error");
  };

  Widget.prototype.published = function (body, payload) {
    this.append({ id: body.id, author: payload.author, text: payload.text, created_at: body.created_at }, true);
    this.refreshEmpty();
    this.done("Thanks! Your comment is published.", "published", payload);
  };

  Widget.prototype.done = function (message, kind, payload) {
    if (this.text.value === payload.text) {
      this.text.value = ""; // sent: clear the box, unless the author has started something new
      this.draftKey = null;
    }
    this.say(message, kind);
  };

  Widget.prototype.draftChanged = function () {
    this.draftKey = null;
    if (this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.say("Your comment has changed: press “Post comment” to send it.", "error");
  };

  Widget.prototype.rejected = function (body) {
    // The draft stays in the box so the author can rephrase; an edit gets a new key.
    this.say(body.message || "Your comment was not published.", "rejected", body.reasons || []);
  };

  Widget.prototype.retryLater = function (payload) {
    var self = this;
    if (payload.idempotency_key !== this.draftKey) { // edited while the request was out
      this.say("Could not reach the comment server. Your edited comment is kept; " +
        "press “Post comment” to send it.", "error");
      return;
    }
    if (this.attempt >= RETRY_DELAYS_MS.length) {
      this.say("We still cannot reach the comment server. Your comment is kept in the box; " +
        "press “Post comment” to try again.", "error");
      return;
    }
    var delay = RETRY_DELAYS_MS[this.attempt++];
    this.say("Could not reach the comment server. Your comment is kept; retrying in " +
      Math.round(delay / 1000) + " s…", "retry");
    this.retryTimer = setTimeout(function () {
      self.retryTimer = null;
      self.send(payload);
    }, delay);
  };

  Widget.prototype.setBusy = function (busy) {
    this.button.disabled = busy;
    this.form.setAttribute("aria-busy", busy ? "true" : "false");
    if (busy) this.button.textContent = "Posting…";
    else this.button.textContent = "Post comment";
  };

  Widget.prototype.say = function (message, kind, reasons) {
    var status = this.status;
    status.textContent = "";
    status.className = "mw-status mw-status-" + kind;
    status.setAttribute("data-kind", kind);
    status.appendChild(el("p", { "class": "mw-message" }, message));
    if (reasons && reasons.length) {
      var list = el("ul", { "class": "mw-reasons" });
      reasons.forEach(function (r) { list.appendChild(el("li", {}, String(r))); });
      status.appendChild(list);
    }
    status.focus();
  };

  function stylesheet(server) {
    if (document.querySelector("link[data-mw-style]")) return;
    var link = el("link", { rel: "stylesheet", href: server + "/static/embed.css", "data-mw-style": "" });
    document.head.appendChild(link);
  }

  var script = ownScript();
  if (!script || !script.getAttribute("data-site") || !script.getAttribute("data-thread")) {
    if (window.console) console.error("moderation embed.js: needs data-site and data-thread on its <script>");
    return;
  }
  function start() {
    var widget = new Widget(script);
    stylesheet(widget.server);
    widget.loadPage();
  }
  // An async script may run before the rest of the page is parsed: wait for it if so.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

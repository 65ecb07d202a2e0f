// The onboarding pages: poll our own status fragment while the tab is visible, swap it in,
// tick the countdowns, send the pairing-code form without a reload (copying: static/js/copy.js).
// No eval and no inline handlers, so it runs under the site's Content Security Policy.
// Screen readers hear what changes through one polite status region ([data-announcer]): a new
// step or notice, and a pairing code's last minute at coarse steps; never the ticking clocks
// nor the status swapped in every 2 s, which would be read out over and over.
(function () {
  "use strict";

  var NORMAL_MS = 2000;
  var MAX_BACKOFF_MS = 30000;
  var TIMEOUT_MS = 20000;

  // --- what screen readers hear ----------------------------------------------------------
  var announceTimer = null;

  function announce(text) {
    var region = document.querySelector("[data-announcer]");
    if (!region || !text) return;
    // Emptied first, so that the same words said again are read out again.
    region.textContent = "";
    window.clearTimeout(announceTimer);
    announceTimer = window.setTimeout(function () { region.textContent = text; }, 100);
  }

  // --- countdowns and elapsed time -------------------------------------------------------
  function formatSeconds(seconds) {
    return interpolate(gettext("%(seconds)s s"), { seconds: seconds }, true);
  }

  function formatElapsed(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    if (!minutes) return formatSeconds(rest);
    return interpolate(gettext("%(minutes)s min %(seconds)s s"),
      { minutes: minutes, seconds: (rest < 10 ? "0" : "") + rest }, true);
  }

  function armClocks(scope) {
    var now = Date.now();
    scope.querySelectorAll("[data-countdown]:not([data-deadline])").forEach(function (el) {
      el.dataset.deadline = String(now + Number(el.dataset.countdown || 0) * 1000);
      el.dataset.left = el.dataset.countdown || "0";
    });
    scope.querySelectorAll("[data-elapsed]:not([data-since])").forEach(function (el) {
      el.dataset.since = String(now - Number(el.dataset.elapsed || 0) * 1000);
    });
  }

  // A countdown with data-announce-at ("60 30 10") is read out when it passes one of those
  // seconds, and when it ends (data-expired-text); nothing in between.
  function announceCountdown(el, before, left) {
    if (!el.dataset.announceAt || left >= before) return;
    if (left === 0) {
      announce(el.dataset.expiredText || "");
      return;
    }
    var passed = el.dataset.announceAt.split(" ").map(Number).filter(function (step) {
      return step > 0 && left <= step && step < before;
    });
    if (passed.length) {
      announce(interpolate(ngettext(
        "The code expires in %(count)s second.", "The code expires in %(count)s seconds.", left
      ), { count: left }, true));
    }
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Math.max(0, Math.ceil((Number(el.dataset.deadline) - now) / 1000));
      el.textContent = left > 0 ? formatSeconds(left) : el.dataset.zeroText || formatSeconds(0);
      var before = Number(el.dataset.left);
      el.dataset.left = String(left);
      if (el.isConnected) announceCountdown(el, before, left);
    });
    document.querySelectorAll("[data-since]").forEach(function (el) {
      el.textContent = formatElapsed(Math.floor((now - Number(el.dataset.since)) / 1000));
    });
  }

  function fragmentFrom(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function sendHeaders() {
    // Our views answer requests marked like htmx's with a fragment instead of a page.
    return { "HX-Request": "true" };
  }

  function followLogin(response) {
    var to = response.headers.get("HX-Redirect");
    if (to) {
      window.location.assign(to);
      return true;
    }
    return false;
  }

  // --- the polled status -----------------------------------------------------------------
  function Poller(root) {
    this.root = root;
    this.url = root.dataset.statusUrl;
    this.target = root.querySelector("[data-swap-target]");
    this.note = root.querySelector("[data-client-note]");
    this.timer = null;
    this.busy = false;
    this.stopped = false;
    this.failures = 0;
    this.said = this.news();
  }

  // What a screen reader should hear when it changes: the step's heading and its notices.
  Poller.prototype.news = function () {
    var parts = [];
    this.target.querySelectorAll("[data-announce]").forEach(function (el) {
      var text = el.textContent.replace(/\s+/g, " ").trim();
      // A heading has no full stop: give it one, so that it is read as a sentence of its own.
      if (text) parts.push(/[.!?:…]$/.test(text) ? text : text + ".");
    });
    return parts.join(" ");
  };

  Poller.prototype.tell = function () {
    var news = this.news();
    if (news !== this.said) {
      this.said = news;
      announce(news);
    }
  };

  Poller.prototype.info = function () {
    var view = this.target.querySelector("[data-step]");
    return view ? view.dataset : {};
  };

  Poller.prototype.apply = function () {
    var info = this.info();
    this.root.dataset.step = info.step || "";
    this.root.querySelectorAll("[data-show-on]").forEach(function (el) {
      el.hidden = el.dataset.showOn.split(" ").indexOf(info.step) === -1;
    });
    armClocks(this.target);
    tick();
    if (info.poll === "stop") {
      this.stop();
    }
    return info;
  };

  Poller.prototype.stop = function () {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.timer = null;
  };

  Poller.prototype.schedule = function (ms) {
    window.clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped || document.visibilityState !== "visible") {
      return; // resumed by the visibilitychange listener
    }
    this.timer = window.setTimeout(this.poll.bind(this), ms);
  };

  Poller.prototype.say = function (text) {
    if (!this.note) return;
    this.note.textContent = text;
    this.note.hidden = !text;
  };

  Poller.prototype.swap = function (html) {
    var fresh = fragmentFrom(html);
    // Keep the QR <img> element: changing its src keeps the old code on screen until the
    // new one has loaded, so the code never blinks.
    var oldImg = this.target.querySelector("img[data-qr]");
    var newImg = fresh.querySelector("img[data-qr]");
    if (oldImg && newImg) {
      if (oldImg.getAttribute("src") !== newImg.getAttribute("src")) {
        oldImg.setAttribute("src", newImg.getAttribute("src"));
      }
      newImg.replaceWith(oldImg);
    }
    this.target.replaceChildren(fresh);
  };

  Poller.prototype.poll = function () {
    var self = this;
    if (self.busy || self.stopped) return;
    self.busy = true;
    self.timer = null;
    var controller = new AbortController();
    var timeout = window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    fetch(self.url, {
      headers: sendHeaders(),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller.signal,
    })
      .then(function (response) {
        if (followLogin(response)) {
          self.stop();
          return null;
        }
        if (!response.ok) {
          var error = new Error("HTTP " + response.status);
          error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
          throw error;
        }
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        self.failures = 0;
        self.say("");
        self.swap(html);
        self.tell();
        var info = self.apply();
        self.schedule((Number(info.poll) || NORMAL_MS / 1000) * 1000);
      })
      .catch(function (error) {
        self.failures += 1;
        var wait = Math.min(NORMAL_MS * Math.pow(2, self.failures), MAX_BACKOFF_MS);
        wait = Math.max(wait, (error.retryAfter || 0) * 1000);
        self.say(interpolate(gettext(
          "The connection is slow or interrupted. Trying again in %(seconds)s s; nothing is lost."
        ), { seconds: Math.round(wait / 1000) }, true));
        self.schedule(wait);
      })
      .finally(function () {
        window.clearTimeout(timeout);
        self.busy = false;
      });
  };

  Poller.prototype.start = function () {
    var self = this;
    var info = self.apply();
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        if (!self.stopped && !self.busy) self.poll();
      } else {
        window.clearTimeout(self.timer); // paused while nobody looks
        self.timer = null;
      }
    });
    self.schedule((Number(info.poll) || NORMAL_MS / 1000) * 1000);
  };

  // --- the pairing-code form, sent without leaving the page ------------------------------
  function sendForm(event) {
    var form = event.target.closest("form[data-fragment-form]");
    if (!form) return;
    var panel = form.closest("[data-pairing]");
    if (!panel) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: sendHeaders(),
      credentials: "same-origin",
    })
      .then(function (response) {
        if (followLogin(response)) return null;
        if (!response.ok && response.status !== 429) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        var fresh = fragmentFrom(html);
        armClocks(fresh);
        // The focus goes with the old panel: hand it to what the answer brought, the code (or
        // else the field to correct), so keyboard and screen-reader users go on from there.
        var next = fresh.querySelector("[data-pairing-code]") ||
          fresh.querySelector("input[name=phone_number]");
        panel.replaceWith(fresh);
        tick();
        if (next) {
          if (!next.matches("input")) next.setAttribute("tabindex", "-1");
          next.focus();
        }
      })
      .catch(function () {
        if (button) button.disabled = false;
        var note = document.querySelector("[data-client-note]");
        if (note) {
          note.textContent = gettext(
            "The code could not be requested: the connection failed. Try again."
          );
          note.hidden = false;
        }
      });
  }

  function main() {
    armClocks(document);
    window.setInterval(tick, 1000);
    document.addEventListener("submit", sendForm);
    var root = document.querySelector("[data-onboarding]");
    if (root) new Poller(root).start();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
})();

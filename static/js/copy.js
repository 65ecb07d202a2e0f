// Copy and share buttons, site-wide, driven by data attributes (no inline code, for the CSP):
//   <button type="button" class="btn-copy" data-copy-target="#id" hidden>…</button>
//       copies the value of the input #id, or the text of any other element #id;
//   <button type="button" class="btn-copy" data-copy="some text" hidden>…</button>
//       copies that text;
//   <button type="button" class="btn" data-share-target="#id" data-share-title="…" hidden>…</button>
//       opens the device's share sheet (Web Share API) with the URL held by #id.
// The buttons start hidden and are shown only where the browser can do it (the Clipboard API
// needs a secure context). A copied button reads "Copied" (data-copied-text) for a moment and a
// polite live region tells screen readers. Fragments swapped in later are armed too. The texts
// come from the page's language (gettext: templates/_scripts_i18n.html, loaded first).
(function () {
  "use strict";

  var COPY = "[data-copy-target], [data-copy]";
  var SHARE = "[data-share-target]";
  var SHOW_MS = 2000;
  var status = null;

  function canCopy() {
    return Boolean(window.isSecureContext && navigator.clipboard && navigator.clipboard.writeText);
  }

  function canShare() {
    return typeof navigator.share === "function";
  }

  function reveal() {
    if (canCopy()) {
      document.querySelectorAll(COPY).forEach(function (button) { button.hidden = false; });
    }
    if (canShare()) {
      document.querySelectorAll(SHARE).forEach(function (button) { button.hidden = false; });
    }
  }

  function sourceText(selector) {
    var source = selector ? document.querySelector(selector) : null;
    if (!source) return null;
    if ("value" in source && typeof source.value === "string") return source.value;
    return source.textContent.trim();
  }

  function announce(text) {
    if (!status) {
      status = document.createElement("p");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      status.setAttribute("data-copy-status", "");
      document.body.appendChild(status);
    }
    status.textContent = "";
    // A fresh text node, a moment later, so the same message is announced again.
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function showCopied(button) {
    var label = button.querySelector("[data-copy-label]") || button;
    var copied = button.dataset.copiedText || gettext("Copied");
    if (!button.hasAttribute("data-copied")) {
      button.dataset.label = label.textContent;
    }
    label.textContent = copied;
    button.setAttribute("data-copied", "");
    announce(copied);
    window.clearTimeout(button._copyTimer);
    button._copyTimer = window.setTimeout(function () {
      label.textContent = button.dataset.label;
      button.removeAttribute("data-copied");
    }, SHOW_MS);
  }

  function copy(button) {
    var text = button.hasAttribute("data-copy")
      ? button.dataset.copy
      : sourceText(button.dataset.copyTarget);
    if (text === null || text === undefined) return;
    navigator.clipboard.writeText(text).then(
      function () { showCopied(button); },
      function () { announce(button.dataset.copyFailedText || gettext("Could not copy: select the text and copy it.")); }
    );
  }

  function share(button) {
    var url = sourceText(button.dataset.shareTarget);
    if (!url) return;
    var data = { url: url };
    if (button.dataset.shareTitle) data.title = button.dataset.shareTitle;
    if (button.dataset.shareText) data.text = button.dataset.shareText;
    // Closing the share sheet rejects the promise: nothing to say then.
    navigator.share(data).catch(function () {});
  }

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest(COPY + ", " + SHARE) : null;
    if (!button || button.hidden) return;
    if (button.matches(SHARE)) {
      share(button);
    } else if (canCopy()) {
      copy(button);
    }
  });

  function main() {
    reveal();
    // Polled and swapped fragments (htmx, static/js/onboarding.js) bring new hidden buttons.
    new MutationObserver(function (records) {
      for (var i = 0; i < records.length; i++) {
        if (records[i].addedNodes.length) {
          reveal();
          return;
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", main);
  } else {
    main();
  }
})();

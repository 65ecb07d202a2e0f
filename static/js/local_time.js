// Times on a customer's page in the customer's own time zone (the browser's) and the page's
// language: each <time datetime="…Z" data-local> gets its text rewritten, labelled with the
// zone. The server sent the partner's zone as the text, the fallback without JavaScript
// (instances/templatetags/customer_time.py). Times in fragments swapped in later are rewritten
// as they arrive.
(() => {
  "use strict";

  const SELECTOR = "time[datetime][data-local]";
  const language = document.documentElement.lang || undefined;
  let formats = null;

  function formatters() {
    if (!formats) {
      formats = {
        moment: new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }),
        // dateStyle/timeStyle cannot be combined with timeZoneName: the label on its own.
        zone: new Intl.DateTimeFormat(language, { hour: "numeric", timeZoneName: "short" }),
        zoneName: Intl.DateTimeFormat().resolvedOptions().timeZone,
      };
    }
    return formats;
  }

  function localise(element) {
    if (element.dataset.local === "shown") return;
    const moment = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(moment.getTime())) return;
    const format = formatters();
    const zone = format.zone.formatToParts(moment).find((part) => part.type === "timeZoneName");
    element.textContent = format.moment.format(moment) + (zone ? " " + zone.value : "");
    if (format.zoneName) element.title = format.zoneName;
    element.dataset.local = "shown";
  }

  function localiseAll(root) {
    if (root.matches && root.matches(SELECTOR)) localise(root);
    if (root.querySelectorAll) root.querySelectorAll(SELECTOR).forEach(localise);
  }

  function start() {
    localiseAll(document);
    new MutationObserver((changes) => {
      for (const change of changes) change.addedNodes.forEach(localiseAll);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

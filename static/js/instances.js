// The instance list's "select all on this page" box. Without JavaScript it stays hidden and
// rows are ticked one by one; the assign form works either way.
(function () {
  "use strict";

  function reveal() {
    document.querySelectorAll("input.select-all[hidden]").forEach(function (box) {
      box.hidden = false;
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.classList.contains("select-all")) {
      return;
    }
    var selector = 'input[type="checkbox"][name="ids"][form="' + box.getAttribute("form") + '"]';
    document.querySelectorAll(selector).forEach(function (row) {
      row.checked = box.checked;
    });
  });

  // htmx replaces the table when filters change; the new box starts hidden again.
  document.addEventListener("htmx:afterSettle", reveal);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reveal);
  } else {
    reveal();
  }
})();

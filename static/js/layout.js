// Every page's narrow-screen layout (static/css/portal.css, "Phones"):
// - the header's menu: the button shows or hides the navigation and the account links. Without
//   JavaScript the button stays hidden and the menu stays open, stacked;
// - tables shown as cards: each cell is labelled with its column's heading (data-label), which
//   the stylesheet shows before the cell. Without JavaScript the cards have no labels.
(function () {
  "use strict";

  function setUpMenu() {
    var button = document.querySelector("button.menu-toggle");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!button || !menu) {
      return;
    }
    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    show(false);
    button.hidden = false;
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and puts the focus back on its button.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
  }

  function headings(table) {
    var row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    var labels = [];
    if (!row) {
      return labels;
    }
    Array.prototype.forEach.call(row.cells, function (cell) {
      var text = cell.textContent.replace(/[↑↓]/g, "").trim();
      for (var span = 0; span < cell.colSpan; span += 1) {
        labels.push(text);
      }
    });
    return labels;
  }

  function labelCells() {
    document.querySelectorAll("main table").forEach(function (table) {
      var labels = headings(table);
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          var column = 0;
          Array.prototype.forEach.call(row.cells, function (cell) {
            var label = cell.colSpan === 1 ? labels[column] : "";
            if (label && !cell.hasAttribute("data-label")) {
              cell.setAttribute("data-label", label);
            }
            column += cell.colSpan;
          });
        });
      });
    });
  }

  function setUp() {
    setUpMenu();
    labelCells();
  }

  // htmx swaps in new rows (filters, paging, progress): label those too.
  document.addEventListener("htmx:afterSettle", function () {
    labelCells();
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

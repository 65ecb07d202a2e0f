// The overview's chart: linked instances at the end of each day (a line) and instances created
// and deleted each day (bars), drawn with uPlot (static/vendor/) from the numbers the page
// carries as JSON (templates/instances/overview.html). The same numbers are in the table under
// the chart; without JavaScript only the table shows.
(function () {
  "use strict";

  // A day of the x axis as the reader's language writes a date, without its year: "11-02" in
  // English (Y-m-d), "02.11" in Russian (d.m.Y).
  var dateFormat = typeof get_format === "function" ? get_format("SHORT_DATE_FORMAT") : "Y-m-d";
  function dayLabel(iso) {
    var parts = { Y: "", m: iso.slice(5, 7), d: iso.slice(8, 10) };
    var label = dateFormat.replace(/[A-Za-z]/g, function (c) {
      return c in parts ? parts[c] : "";
    });
    return label.replace(/^[^0-9]+|[^0-9]+$/g, "");
  }

  function draw() {
    var source = document.getElementById("overview-series");
    var target = document.getElementById("overview-chart");
    if (!source || !target || typeof uPlot === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var xs = data.days.map(function (_day, i) { return i + 1; });
    var width = Math.max(300, Math.min(1000, target.clientWidth || 1000));
    var every = Math.max(1, Math.ceil(xs.length / 10));
    var options = {
      width: width,
      height: 260,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: [0.5, xs.length + 0.5] },
        y: { range: [0, null] },
        changes: { range: [0, null] },
      },
      axes: [
        {
          splits: function () { return xs.filter(function (x) { return (x - 1) % every === 0; }); },
          values: function (_u, splits) {
            return splits.map(function (x) { return data.days[x - 1] ? dayLabel(data.days[x - 1]) : ""; });
          },
        },
        { label: gettext("Linked"), incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5] },
        { side: 1, scale: "changes", label: pgettext("instances per day", "Created / deleted"), grid: { show: false },
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4] },
      ],
      series: [
        // The legend names the day under the cursor (uPlot would say "Value" and show its index).
        {
          label: gettext("Day"),
          value: function (_u, x) { return x == null || !data.days[x - 1] ? "—" : dayLabel(data.days[x - 1]); },
        },
        { label: gettext("Linked"), stroke: "#1f7a55", width: 2, points: { show: false } },
        { label: pgettext("instances per day", "Created"), scale: "changes", stroke: "#2457a6", fill: "rgba(36, 87, 166, 0.35)",
          paths: uPlot.paths.bars({ size: [0.35, 20], align: -1 }), points: { show: false } },
        { label: pgettext("instances per day", "Deleted"), scale: "changes", stroke: "#a63a24", fill: "rgba(166, 58, 36, 0.35)",
          paths: uPlot.paths.bars({ size: [0.35, 20], align: 1 }), points: { show: false } },
      ],
    };
    target.textContent = "";
    target.dataset.drawn = "true";
    new uPlot(options, [xs, data.linked, data.created, data.deleted], target);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

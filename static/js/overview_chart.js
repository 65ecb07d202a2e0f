// The overview's chart: linked instances at the end of each day (a line) and instances created
// and deleted each day (bars), drawn with uPlot (static/vendor/) from the numbers the page
// carries as JSON (templates/instances/overview.html). The same numbers are in the table under
// the chart; without JavaScript only the table shows.
(function () {
  "use strict";

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
            return splits.map(function (x) { return (data.days[x - 1] || "").slice(5); });
          },
        },
        { label: "Linked", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5] },
        { side: 1, scale: "changes", label: "Created / deleted", grid: { show: false },
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4] },
      ],
      series: [
        {},
        { label: "Linked", stroke: "#1f7a55", width: 2, points: { show: false } },
        { label: "Created", scale: "changes", stroke: "#2457a6", fill: "rgba(36, 87, 166, 0.35)",
          paths: uPlot.paths.bars({ size: [0.35, 20], align: -1 }), points: { show: false } },
        { label: "Deleted", scale: "changes", stroke: "#a63a24", fill: "rgba(166, 58, 36, 0.35)",
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

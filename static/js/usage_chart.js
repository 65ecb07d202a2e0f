// The usage page's chart: billable instances at each daily charge, drawn with uPlot
// (static/vendor/) from the numbers the page carries as JSON (templates/billing/_per_day.html).
// The same numbers are in the table under the chart; without JavaScript only the table shows.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("usage-chart-data");
    var target = document.getElementById("usage-chart");
    if (!source || !target || typeof uPlot === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var xs = data.labels.map(function (_label, i) { return i + 1; });
    var width = Math.max(320, Math.min(900, target.clientWidth || 900));
    var options = {
      width: width,
      height: 260,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, range: [0.5, xs.length + 0.5] }, y: { range: [0, null] } },
      axes: [
        {
          splits: function () { return xs; },
          values: function (_u, splits) {
            return splits.map(function (x) { return data.labels[x - 1] || ""; });
          },
        },
        {
          label: gettext("Billable instances"),
          // Whole instances only: no tick at 0.5.
          incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6],
        },
      ],
      series: [
        {},
        {
          label: gettext("Billable instances"),
          stroke: "#1f7a55",
          fill: "rgba(31, 122, 85, 0.35)",
          paths: uPlot.paths.bars({ size: [0.7, 40] }),
          points: { show: false },
        },
      ],
    };
    target.textContent = "";
    target.dataset.drawn = "true";
    new uPlot(options, [xs, data.counts], target);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();

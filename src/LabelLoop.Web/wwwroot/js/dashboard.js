// Draws the dashboard's charts with Chart.js. Each <canvas data-chart> carries its spec as JSON (see ChartSpec.cs):
// type, axis titles with units, category labels or (x, y) points, series with colours. Our own script; needs
// lib/chartjs/chart.umd.js loaded first.
(function () {
  "use strict";

  function dataset(series, spec) {
    const colors = series.colors || [];
    const one = colors.length === 1 ? colors[0] : undefined;
    const data = spec.linearX ? series.points : series.values;
    return {
      label: series.name,
      data: data,
      backgroundColor: one || colors,
      borderColor: spec.type === "doughnut" ? "#fff" : (one || colors),
      borderWidth: spec.type === "line" ? 2 : 1,
      pointRadius: spec.type === "line" ? 3 : undefined,
      tension: 0,
    };
  }

  function axis(title, extra) {
    return Object.assign({ display: true, title: { display: !!title, text: title } }, extra || {});
  }

  function config(spec) {
    const cfg = {
      type: spec.type,
      data: { datasets: spec.series.map(function (s) { return dataset(s, spec); }) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: true, position: spec.type === "doughnut" ? "right" : "top" } },
      },
    };
    if (spec.labels) cfg.data.labels = spec.labels;
    if (spec.type !== "doughnut") {
      cfg.options.scales = {
        x: axis(spec.xTitle, spec.linearX ? { type: "linear" } : { stacked: !!spec.stacked }),
        y: axis(spec.yTitle, { stacked: !!spec.stacked, beginAtZero: true }),
      };
      if (spec.yMin !== null && spec.yMin !== undefined) cfg.options.scales.y.min = spec.yMin;
      if (spec.yMax !== null && spec.yMax !== undefined) cfg.options.scales.y.max = spec.yMax;
    }
    return cfg;
  }

  function draw(canvas) {
    if (canvas.dataset.drawn || typeof Chart === "undefined") return;
    canvas.dataset.drawn = "1";
    new Chart(canvas, config(JSON.parse(canvas.dataset.chart)));
  }

  function drawAll(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  document.addEventListener("htmx:afterSwap", function (e) { drawAll(e.target); });
})();

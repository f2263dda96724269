// Draws the dashboard's charts with Chart.js for the ChartCanvas component. A spec (see ChartSpec.cs) carries the
// type, axis titles with units, category labels or (x, y) points, and series with colours. Loaded as an ES module
// through IJSObjectReference; Chart.js's UMD build sets the global Chart when imported.
import "../lib/chartjs/chart.umd.js";

function dataset(series, spec) {
  const colors = series.colors || [];
  const one = colors.length === 1 ? colors[0] : undefined;
  return {
    label: series.name,
    data: spec.linearX ? series.points : series.values,
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
    data: { datasets: spec.series.map((s) => dataset(s, spec)) },
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

/** Draws the spec on the canvas (replacing a chart drawn there before) and marks the canvas data-drawn="1". */
export function draw(canvas, spec) {
  if (!canvas) return;
  const existing = globalThis.Chart.getChart(canvas);
  if (existing) existing.destroy();
  new globalThis.Chart(canvas, config(spec));
  canvas.dataset.drawn = "1";
}

/** Redraws the chart on the canvas with a new spec: same type, new data and axes, without a new chart object. */
export function update(canvas, spec) {
  if (!canvas) return;
  const chart = globalThis.Chart.getChart(canvas);
  if (!chart || chart.config.type !== spec.type) {
    draw(canvas, spec);
    return;
  }
  const next = config(spec);
  chart.data = next.data;
  chart.options = next.options;
  chart.update("none");
}

/** Frees the chart on the canvas, if any. */
export function dispose(canvas) {
  if (!canvas) return;
  const chart = globalThis.Chart.getChart(canvas);
  if (chart) chart.destroy();
}

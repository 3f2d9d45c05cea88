// Draws the dashboard charts from the page's json_script data; every bar, point and slice
// carries the URL of the suggestion list behind it. Without JS the tables beside the charts
// hold the same numbers and links.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) { return; }
  var charts = JSON.parse(source.textContent);

  function seriesData(series) {
    return series.points.map(function (p) { return { value: p.value, url: p.url }; });
  }

  function option(chart) {
    if (chart.kind === "pie") {
      var s = chart.series[0];
      return {
        tooltip: { trigger: "item", formatter: "{b}: {c} 件" },
        legend: { bottom: 0, type: "scroll" },
        series: [{
          type: "pie", radius: ["35%", "65%"], name: s.name,
          data: s.points.map(function (p, i) { return { name: chart.labels[i], value: p.value, url: p.url }; }),
        }],
      };
    }
    if (chart.kind === "hbar") {
      // One row per unit, the largest on top: readable however many units there are.
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: chart.labels, inverse: true, axisLabel: { interval: 0, width: 160, overflow: "truncate" } },
        series: chart.series.map(function (s) {
          return { type: "bar", name: s.name, data: seriesData(s), barMaxWidth: 14 };
        }),
      };
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 64 },
      xAxis: { type: "category", data: chart.labels, axisLabel: { interval: 0, rotate: chart.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: chart.series.map(function (s) {
        return { type: chart.kind, name: s.name, data: seriesData(s), symbolSize: 8 };
      }),
    };
  }

  Object.keys(charts).forEach(function (id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (charts[id].kind === "hbar") {
      // Tall enough for every row (set through the CSSOM, which the CSP allows).
      el.style.height = Math.max(240, 60 + charts[id].labels.length * 3 * 12) + "px";
    }
    var instance = echarts.init(el);
    instance.setOption(option(charts[id]));
    instance.on("click", function (params) {
      if (params.data && params.data.url) { window.location.href = params.data.url; }
    });
    window.addEventListener("resize", function () { instance.resize(); });
    el.setAttribute("data-drawn", "true");
  });
});

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
    var instance = echarts.init(el);
    instance.setOption(option(charts[id]));
    instance.on("click", function (params) {
      if (params.data && params.data.url) { window.location.href = params.data.url; }
    });
    window.addEventListener("resize", function () { instance.resize(); });
    el.setAttribute("data-drawn", "true");
  });
});

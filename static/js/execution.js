// Project page: the cumulative monthly payment line of the execution panel (ECharts, served locally).
// Data comes from a json_script block; no inline script (CSP: script-src 'self').
(function () {
  "use strict";
  var holder = document.getElementById("execution-chart");
  var source = document.getElementById("execution-chart-data");
  if (!holder || !source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var wan = function (yuan) { return Math.round(Number(yuan) / 100) / 100; };
  var chart = window.echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis" },
    grid: { left: 60, right: 20, top: 30, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: "万元" },
    series: [
      {
        name: "累计支付",
        type: "line",
        data: data.series.map(wan),
        markLine: { symbol: "none", data: [{ yAxis: wan(data.budget), name: "预算" }], label: { formatter: "预算" } }
      }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

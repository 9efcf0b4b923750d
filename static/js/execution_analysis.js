// 执行进度分析: cumulative payments by month against the budget, and each department's rate against 序时进度.
// Data comes from a json_script block; no inline script (CSP: script-src 'self').
(function () {
  "use strict";
  var source = document.getElementById("analysis-chart-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var wan = function (yuan) { return Math.round(Number(yuan) / 100) / 100; };
  var charts = [];
  var monthly = document.getElementById("analysis-monthly");
  if (monthly) {
    var budget = wan(data.budget);
    var chart = window.echarts.init(monthly);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: ["累计支付", "序时进度"], top: 0, right: 10 },
      grid: { left: 60, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value", name: "万元" },
      series: [
        { name: "累计支付", type: "bar", data: data.cumulative.map(wan) },
        { name: "序时进度", type: "line", data: data.months.map(function (_m, i) { return Math.round(budget * (i + 1) / 12 * 100) / 100; }) }
      ]
    });
    charts.push(chart);
  }
  var departments = document.getElementById("analysis-departments");
  if (departments) {
    var bars = window.echarts.init(departments);
    bars.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 120, right: 50, top: 30, bottom: 30 },
      xAxis: { type: "value", name: "%", max: function (v) { return Math.max(100, Math.ceil(v.max)); } },
      yAxis: { type: "category", data: data.departments, inverse: true, axisLabel: { interval: 0, fontSize: 11 } },
      series: [{
        name: "执行率",
        type: "bar",
        data: data.rates.map(Number),
        markLine: { symbol: "none", data: [{ xAxis: Number(data.time_progress), name: "序时进度" }], label: { formatter: "序时进度 {c}%", position: "start" } }
      }]
    });
    charts.push(bars);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();

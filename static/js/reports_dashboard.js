// 领导驾驶舱: charts drawn from the json_script block; clicking a bar or slice opens the list behind it.
// No inline script (CSP: script-src 'self').
(function () {
  "use strict";
  var source = document.getElementById("dashboard-chart-data");
  if (!source || typeof window.echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var wan = function (yuan) { return Math.round(Number(yuan) / 100) / 100; };
  var charts = [];
  var open = function (url) { if (url) { window.location.href = url; } };

  function make(id, option, urls) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var chart = window.echarts.init(node);
    chart.setOption(option);
    if (urls) {
      chart.on("click", function (params) { open(urls(params)); });
    }
    charts.push(chart);
  }

  // The stages side by side while their labels fit under the bars; on a narrow screen (a phone) the labels would
  // run into each other, so the bars lie down with the labels on their left, one per line.
  function stageOption(node) {
    var labels = data.stages.map(function (s) { return s.label; });
    var longest = Math.max.apply(null, labels.map(function (l) { return l.length; }).concat([1]));
    var fits = (node.clientWidth - 90) / Math.max(labels.length, 1) >= longest * 11 + 8;
    var category = { type: "category", data: labels, axisLabel: { interval: 0, fontSize: 11 } };
    var value = { type: "value", name: "万元" };
    var series = [{ name: "资金", type: "bar", data: data.stages.map(function (s) { return wan(s.amount); }) }];
    if (fits) {
      return { tooltip: { trigger: "axis" }, grid: { left: 70, right: 20, top: 20, bottom: 40 }, xAxis: category, yAxis: value, series: series };
    }
    category.inverse = true;
    value.axisLabel = { hideOverlap: true };
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 10, right: 40, top: 30, bottom: 10, containLabel: true },
      xAxis: value, yAxis: category, series: series
    };
  }
  var stagesNode = document.getElementById("chart-stages");
  if (stagesNode) {
    make("chart-stages", stageOption(stagesNode), function (p) { return data.stages[p.dataIndex].url; });
  }

  var budget = wan(data.budget);
  make("chart-monthly", {
    tooltip: { trigger: "axis" },
    legend: { data: ["累计支付", "序时进度"], top: 0, right: 10 },
    grid: { left: 70, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: "万元" },
    series: [
      { name: "累计支付", type: "bar", data: data.cumulative.map(wan) },
      { name: "序时进度", type: "line", data: data.months.map(function (_m, i) { return Math.round(budget * (i + 1) / 12 * 100) / 100; }) }
    ]
  });

  make("chart-departments", {
    tooltip: { trigger: "axis" },
    grid: { left: 120, right: 50, top: 30, bottom: 30 },
    xAxis: { type: "value", name: "%", max: function (v) { return Math.max(100, Math.ceil(v.max)); } },
    yAxis: { type: "category", data: data.departments, inverse: true, axisLabel: { interval: 0, fontSize: 11 } },
    series: [{
      name: "执行率", type: "bar", data: data.rates.map(Number),
      markLine: { symbol: "none", data: [{ xAxis: Number(data.time_progress), name: "序时进度" }], label: { formatter: "序时进度 {c}%", position: "start" } }
    }]
  }, function (p) { return data.department_urls[p.dataIndex]; });

  var colours = { RED: "#dc3545", YELLOW: "#ffc107", GREEN: "#198754" };
  var lit = data.warnings.some(function (w) { return w.count; });
  make("chart-warnings", {
    tooltip: { trigger: "item" },
    title: lit ? undefined : { text: "本年度暂无预警", left: "center", top: "middle", textStyle: { fontSize: 13, fontWeight: "normal", color: "#6c757d" } },
    series: [{
      // A year without warnings draws an empty ring, not three equal slices (ECharts' default for a zero sum).
      type: "pie", radius: ["40%", "70%"], stillShowZeroSum: false,
      // A colour without projects has no slice to point at: its label is not drawn (a year without lights would
      // otherwise show three labels pointing at nothing).
      data: data.warnings.map(function (w) {
        var item = { name: w.label, value: w.count, itemStyle: { color: colours[w.key] } };
        if (!w.count) { item.label = { show: false }; item.labelLine = { show: false }; }
        return item;
      })
    }]
  }, function (p) { return data.warnings[p.dataIndex].url; });

  var grades = ["优", "良", "中", "差"];
  var kinds = [["target", "目标审核"], ["selfeval", "单位自评"], ["keyeval", "重点评价"]];
  make("chart-grades", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: grades },
    yAxis: { type: "value", minInterval: 1 },
    series: kinds.map(function (k) {
      return { name: k[1], type: "bar", data: (data.grades[k[0]] || []).map(function (g) { return g.count; }) };
    })
  }, function (p) { var row = data.grades[kinds[p.seriesIndex][0]]; return row && row[p.dataIndex] ? row[p.dataIndex].url : ""; });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
    var stages = stagesNode && window.echarts.getInstanceByDom(stagesNode);
    if (stages) { stages.setOption(stageOption(stagesNode), true); }
  });
})();

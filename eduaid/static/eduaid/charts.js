// Renders every element with data-chart="<id of a json_script>" as an ECharts chart.
document.addEventListener("DOMContentLoaded", function () {
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || !window.echarts) { return; }
    var option = JSON.parse(source.textContent);
    if (still) { option.animation = false; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  });
});

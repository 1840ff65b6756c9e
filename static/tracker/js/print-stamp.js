/* 招商项目台账 — the print stamp's date is the day of printing, not the day the (cached)
   page was rendered. Without this file the stamp still shows the URL and 数据截至. */
(function () {
  "use strict";
  function stamp() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var text = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) +
      " " + pad(now.getHours()) + ":" + pad(now.getMinutes());
    document.querySelectorAll("[data-print-date]").forEach(function (el) { el.textContent = text; });
  }
  stamp();
  window.addEventListener("beforeprint", stamp);
})();

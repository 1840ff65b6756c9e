/* 招商项目台账 — small progressive enhancements; every page works without this file.
   Loaded from /static (no inline script), so a strict Content-Security-Policy holds. */
(function () {
  "use strict";

  // On narrow screens, fold the filter panel so results come first; errors keep it open.
  var narrow = window.matchMedia("(max-width: 960px)");
  document.querySelectorAll("details[data-fold-narrow]").forEach(function (panel) {
    if (narrow.matches && !panel.hasAttribute("data-keep-open")) {
      panel.open = false;
    }
  });
})();

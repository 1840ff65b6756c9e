// The import preview's filters: all rows, only errors, only changes — without reloading.
// Without JavaScript the buttons stay hidden and every listed row shows.
(function () {
  "use strict";
  const bar = document.querySelector("[data-ledger-filter]");
  const table = document.getElementById("ledger-preview");
  if (!bar || !table) return;
  const rows = Array.from(table.tBodies[0].rows);
  const empty = document.querySelector("[data-ledger-empty]");
  const buttons = Array.from(bar.querySelectorAll("button[data-show]"));

  function show(kind) {
    let shown = 0;
    for (const row of rows) {
      const visible = kind === "all" || row.dataset.kind === kind;
      row.hidden = !visible;
      if (visible) shown += 1;
    }
    for (const button of buttons) {
      button.setAttribute("aria-pressed", String(button.dataset.show === kind));
    }
    if (empty) empty.hidden = shown > 0;
  }

  for (const button of buttons) {
    button.addEventListener("click", () => show(button.dataset.show));
  }
  bar.hidden = false;
})();

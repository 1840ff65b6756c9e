// The job page polls its progress JSON while the job is queued or running.
(function () {
  "use strict";
  const box = document.getElementById("job-progress");
  if (!box || box.dataset.active !== "1") return;
  const field = (name) => box.querySelector('[data-field="' + name + '"]');
  const number = (n) => Number(n).toLocaleString();
  async function poll() {
    let data;
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      data = await response.json();
    } catch (error) {
      setTimeout(poll, 5000); // the server is busy or restarting: try again later
      return;
    }
    const status = field("status_label");
    status.textContent = data.status_label;
    status.className = "job-status job-" + data.status;
    // The record below was drawn when the page loaded: keep its status in step.
    const recorded = document.querySelector(".field-status .readonly");
    if (recorded) recorded.textContent = data.status_label;
    field("bar").value = data.percent;
    field("numbers").textContent = data.total
      ? number(data.done) + " / " + number(data.total) + "（" + data.percent + "%）"
      : "";
    field("log").textContent = data.log.join("\n");
    const error = field("error");
    error.textContent = data.error;
    error.hidden = !data.error;
    if (data.download) {
      field("download").href = data.download;
      field("download").parentElement.hidden = false;
    }
    if (data.status === "queued" || data.status === "running") {
      setTimeout(poll, 1000);
    } else {
      window.location.reload(); // the final record: result, log, retry button
    }
  }
  setTimeout(poll, 500);
})();

// Import progress: poll the job's JSON endpoint, move the bar, reload when the job is done.
(function () {
  "use strict";
  var box = document.getElementById("import-status");
  if (!box || box.dataset.busy !== "1") {
    return;
  }
  var url = box.dataset.progressUrl;
  function show(data) {
    var bar = document.getElementById("import-progress");
    bar.max = data.total_rows || 1;
    bar.value = data.processed_rows;
    document.getElementById("import-processed").textContent = data.processed_rows;
    document.getElementById("import-percent").textContent = data.percent;
    document.getElementById("import-state").textContent = data.state_label;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data);
        if (data.busy) {
          window.setTimeout(poll, 1000);
        } else {
          window.location.assign(data.url);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();

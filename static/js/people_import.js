// The import page: a progress bar while a worker imports, then the report.
(function () {
  var box = document.getElementById("import-job");
  if (!box) return;
  if (box.dataset.status !== "queued" && box.dataset.status !== "running") return;
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("import-text");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status !== "queued" && data.status !== "running") { window.location.reload(); return; }
        if (data) {
          bar.value = data.percent;
          bar.textContent = data.percent + "%";
          if (data.status === "running") text.textContent = "Importing: " + data.done + " of " + data.total + " photos";
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();

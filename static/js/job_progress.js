// A progress bar while a worker runs a job (an import, a re-encoding), then the page again.
// The page marks the job with data-job (data-status-url, data-status), its <progress> and
// the text to show while it runs (data-running, with {done} and {total}).
(function () {
  var box = document.querySelector("[data-job]");
  if (!box) return;
  if (box.dataset.status !== "queued" && box.dataset.status !== "running") return;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-running]");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status !== "queued" && data.status !== "running") { window.location.reload(); return; }
        if (data) {
          bar.value = data.percent;
          bar.textContent = data.percent + "%";
          if (data.status === "running") {
            text.textContent = text.dataset.running.replace("{done}", data.done).replace("{total}", data.total);
          }
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();

// The encodings page: a progress bar while workers re-encode, then the page again.
(function () {
  var box = document.getElementById("reencode-job");
  if (!box) return;
  var bar = document.getElementById("reencode-progress");
  var text = document.getElementById("reencode-text");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status !== "queued" && data.status !== "running") { window.location.reload(); return; }
        if (data) {
          bar.value = data.percent;
          bar.textContent = data.percent + "%";
          if (data.status === "running") text.textContent = "Re-encoding: " + data.done + " of " + data.total + " photos";
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();

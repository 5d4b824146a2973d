// Follow a report export written by a worker; show the download link when done.
(function () {
  var box = document.getElementById("export");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector(".state");
  var link = box.querySelector("a.download");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.percent;
        text.textContent = data.status === "failed" ? data.error :
          data.status + ": " + data.rows_done + " of " + data.rows_total + " rows";
        if (data.download) {
          link.href = data.download;
          link.hidden = false;
        } else if (data.status !== "failed") {
          setTimeout(poll, 1000);
        }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  if (box.dataset.done !== "1") poll();
})();

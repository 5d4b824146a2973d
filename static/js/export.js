// Follow a report export written by a worker; show the download link when done.
(function () {
  var box = document.getElementById("export");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = box.querySelector(".state");
  var link = box.querySelector("a.download");
  // the export's state in the reader's words (the JSON keeps the plain value)
  function statusWord(status) {
    var words = { queued: pgettext("status", "queued"), running: pgettext("status", "running"),
      done: pgettext("status", "done"), failed: pgettext("status", "failed") };
    return words[status] || status;
  }
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.percent;
        text.textContent = data.status === "failed" ? data.error :
          interpolate(gettext("%(status)s: %(done)s of %(total)s rows"),
            { status: statusWord(data.status), done: data.rows_done, total: data.rows_total }, true);
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

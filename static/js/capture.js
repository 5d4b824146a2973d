// Poll the capture's status while a worker processes it, then reload the page
// to show the annotated picture.
(function () {
  var box = document.getElementById("capture");
  if (!box) return;
  var status = box.dataset.status;
  if (status !== "queued" && status !== "processing") return;
  var delay = 400;
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.status !== "queued" && data.status !== "processing") {
          window.location.reload();
          return;
        }
        delay = Math.min(delay * 1.5, 3000);
        setTimeout(poll, delay);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, delay);
})();

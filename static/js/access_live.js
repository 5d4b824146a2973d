// The access log's live view: the latest attempts, reloaded every few seconds.
(function () {
  var box = document.getElementById("access-live");
  if (!box) return;
  function refresh() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () {})
      .finally(function () { setTimeout(refresh, 3000); });
  }
  refresh();
})();

// Refresh the counters, the arrivals chart and the live list every 30 seconds.
(function () {
  var box = document.getElementById("live");
  if (!box) return;
  function refresh() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () { /* offline for a moment: keep what is shown */ });
  }
  setInterval(refresh, 30000);
})();

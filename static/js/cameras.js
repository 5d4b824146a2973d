// Camera health, refreshed every few seconds from the health endpoint (no inline script: CSP).
(function () {
  "use strict";
  var table = document.getElementById("camera-health");
  if (!table) return;
  var url = table.getAttribute("data-health-url");
  var FIELDS = ["state_text", "runner", "connected_since", "state_since", "frames_per_second",
    "analysed_per_second", "faces_per_minute", "reconnects", "reconnects_text", "last_error", "last_error_at",
    "health_at", "analysis_text", "warning", "address_test_text"];

  function show(camera) {
    var row = table.querySelector('[data-camera="' + camera.id + '"]');
    if (!row) return;
    FIELDS.forEach(function (name) {
      var cell = row.querySelector('[data-field="' + name + '"]');
      if (cell) cell.textContent = camera[name] === null ? "" : String(camera[name]);
    });
    var picture = row.querySelector('[data-field="picture"]');
    if (picture && camera.picture_url && picture.getAttribute("data-at") !== camera.picture_at) {
      picture.setAttribute("data-at", camera.picture_at);
      picture.src = camera.picture_url + "?at=" + encodeURIComponent(camera.picture_at);
      picture.hidden = false;
    }
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) data.cameras.forEach(show); })
      .catch(function () { /* the next refresh tries again */ });
  }

  setInterval(refresh, 3000);
})();

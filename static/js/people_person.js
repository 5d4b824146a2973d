// A person's page: drag-and-drop upload of several photos, and statuses that
// update by themselves while workers encode (polls a small JSON endpoint).
(function () {
  var section = document.getElementById("photos");
  if (!section) return;
  var csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value;
  var statusLine = document.getElementById("upload-status");
  var PENDING = ["queued", "encoding"];
  var timer = null;

  function tiles() {
    var map = {};
    document.querySelectorAll("#tiles .tile").forEach(function (t) { map[t.dataset.id] = t; });
    return map;
  }

  function reloadSoon() {
    // never reload under a person being photographed: wait for the camera to close
    if (window.peopleCameraBusy) { setTimeout(reloadSoon, 1000); return; }
    window.location.reload();
  }

  function apply(data) {
    var shown = tiles();
    var structural = false;
    data.photos.forEach(function (p) {
      var tile = shown[p.id];
      if (!tile) { structural = true; return; }
      if (tile.dataset.status === p.status) return;
      if (p.status === "review") structural = true; // needs the decision buttons
      tile.dataset.status = p.status;
      tile.className = "tile status-" + p.status;
      tile.querySelector(".badge.status").textContent = p.status_label;
      tile.querySelector(".reason").textContent = p.reason;
      var box = tile.querySelector(".facebox");
      if (p.box_style) { box.setAttribute("style", p.box_style); box.hidden = false; }
    });
    if (data.photos.length !== Object.keys(shown).length) structural = true;
    document.getElementById("accepted-count").textContent = data.accepted;
    var advice = document.getElementById("recommendation");
    advice.className = data.accepted < data.recommended ? "advice" : "muted";
    if (structural) reloadSoon();
    return data.pending > 0;
  }

  function poll(delay) {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(section.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && !apply(data)) return; // nothing left to wait for
          poll(Math.min(delay * 1.5, 3000));
        })
        .catch(function () { poll(3000); });
    }, delay);
  }

  // Upload files (File or Blob with a name) in one request; used by the camera too.
  window.peopleUpload = function (files) {
    var form = new FormData();
    files.forEach(function (f) { form.append("photos", f, f.name || "photo.jpg"); });
    statusLine.textContent = interpolate(ngettext("Uploading %s photo…", "Uploading %s photos…", files.length), [files.length]);
    return fetch(section.dataset.uploadUrl, {
      method: "POST", body: form, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
    }).then(function (r) {
      return r.json().then(function (data) {
        var parts = [];
        if (data.added) parts.push(interpolate(ngettext("%s photo added; checking it…", "%s photos added; checking them…", data.added), [data.added]));
        if (data.already) parts.push(interpolate(gettext("%s already there"), [data.already]));
        data.errors.forEach(function (e) { parts.push(e.file + ": " + e.message); });
        statusLine.textContent = parts.join(" · ");
        statusLine.className = data.errors.length ? "error" : "muted";
        if (data.added) poll(300);
        return data;
      });
    }).catch(function () {
      statusLine.textContent = gettext("The upload failed; check the connection and try again.");
      statusLine.className = "error";
      return null;
    });
  };

  var zone = document.getElementById("dropzone");
  var input = document.getElementById("photo-input");
  if (zone && input) {
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (e) {
      var files = Array.prototype.slice.call(e.dataTransfer.files || []);
      if (files.length) window.peopleUpload(files);
    });
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      if (files.length) window.peopleUpload(files).then(function () { input.value = ""; });
    });
  }

  window.peoplePoll = function () { poll(300); };
  if (section.dataset.pending === "1") poll(400);
})();

// The Doors page's live door states (contact, alarms, agent online), reloaded every few seconds.
(function () {
  var box = document.getElementById("door-states");
  if (!box) return;
  function refresh() {
    fetch(box.dataset.url, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) box.innerHTML = html; })
      .catch(function () {})
      .finally(function () { setTimeout(refresh, 3000); });
  }
  setTimeout(refresh, 3000);
})();

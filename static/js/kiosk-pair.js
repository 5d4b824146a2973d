// Use the one-time pairing code, keep the kiosk's token in this browser
// (localStorage), then open the kiosk page. Words from the scripts' catalogue (gettext).
(function () {
  var body = document.body;
  var form = document.getElementById("pair-form");
  var problem = document.getElementById("pair-error");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    problem.hidden = true;
    var data = new FormData(form);
    fetch(body.dataset.pairApi, { method: "POST", body: data, credentials: "omit" })
      .then(function (r) { return r.json().then(function (json) { return { ok: r.ok, json: json }; }); })
      .then(function (answer) {
        if (!answer.ok) throw new Error(answer.json.message || gettext("Pairing failed."));
        localStorage.setItem("kiosk-token", answer.json.token);
        window.location.replace(body.dataset.kioskUrl);
      })
      .catch(function (error) {
        problem.textContent = error.message === "Failed to fetch" ? gettext("Cannot reach the server; try again.") : error.message;
        problem.hidden = false;
      });
  });
})();

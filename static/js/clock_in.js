// Clock in from a phone: a few frames of the selfie (as a kiosk takes them, so
// liveness can look at them together), the location read once at the press of
// the button, both sent to /api/v1/me/clock-in/. The words shown come from the
// page (its <template>) and from the server's answers, in the reader's language.
(function () {
  "use strict";

  var box = document.getElementById("clock-in");
  if (!box) return;
  var go = document.getElementById("go");
  var video = document.getElementById("video");
  var statusLine = document.getElementById("status");
  var result = document.getElementById("result");
  var csrf = box.querySelector("input[name=csrfmiddlewaretoken]").value;
  var needsLocation = box.dataset.location === "1";
  var needsFace = box.dataset.face === "1";
  var GIVE_UP_MS = 30000;

  function word(name) {
    var node = document.getElementById("words").content.querySelector("[data-word=" + name + "]");
    return node ? node.textContent : name;
  }

  function say(text) {
    statusLine.textContent = text || "";
  }

  function show(outcome, message) {
    say("");
    result.hidden = false;
    result.dataset.outcome = outcome;
    result.textContent = message;
    result.className = /^(checked_in|checked_out|already)$/.test(outcome) ? "ok" : "error";
    go.disabled = false;
  }

  // --- camera -------------------------------------------------------------------

  var grab = document.createElement("canvas");

  function startCamera() {
    if (!needsFace) return Promise.resolve();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error(word("camera")));
    }
    return navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        return video.play();
      });
  }

  function frame(width) {
    var w = video.videoWidth, h = video.videoHeight;
    var scale = Math.min(1, width / w);
    grab.width = Math.round(w * scale);
    grab.height = Math.round(h * scale);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    return new Promise(function (resolve) { grab.toBlob(resolve, "image/jpeg", 0.85); });
  }

  function burst() {
    if (!needsFace) return Promise.resolve([]);
    var count = Number(box.dataset.frames), interval = Number(box.dataset.interval), width = Number(box.dataset.width);
    var frames = [];
    return new Promise(function (resolve) {
      function next() {
        frame(width).then(function (blob) {
          if (blob) frames.push(blob);
          if (frames.length >= count) return resolve(frames);
          setTimeout(next, interval);
        });
      }
      next();
    });
  }

  // --- location: once, now, never watched -------------------------------------

  function locate() {
    if (!needsLocation || !navigator.geolocation) return Promise.resolve(null);
    say(word("locating"));
    return new Promise(function (resolve) {
      navigator.geolocation.getCurrentPosition(
        function (position) { resolve(position.coords); },
        function () { resolve(null); }, // the server says why in words
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 }
      );
    });
  }

  // --- server -------------------------------------------------------------------

  function attemptId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function call(url, options) {
    options.headers = { Accept: "application/json", "X-CSRFToken": csrf };
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    });
  }

  function answer(reply, id, started) {
    if (reply.status === 202) {
      if (Date.now() - started > GIVE_UP_MS) return show("slow", word("slow"));
      return new Promise(function (resolve) { setTimeout(resolve, 1000); }).then(function () {
        return call(box.dataset.api + id + "/", { method: "GET" }).then(function (next) { return answer(next, id, started); });
      });
    }
    if (reply.status >= 400) {
      var error = reply.body.error || {};
      return show(error.code || "error", error.message || word("offline"));
    }
    show(reply.body.outcome, reply.body.message);
  }

  go.addEventListener("click", function () {
    go.disabled = true;
    result.hidden = true;
    var id = attemptId();
    var form = new FormData();
    form.append("client_id", id);
    locate()
      .then(function (coords) {
        if (coords) {
          form.append("latitude", coords.latitude);
          form.append("longitude", coords.longitude);
          if (coords.accuracy != null) form.append("accuracy_m", coords.accuracy);
        }
        say(word("sending"));
        return burst();
      })
      .then(function (frames) {
        frames.forEach(function (blob, i) { form.append("frame", blob, "frame-" + i + ".jpg"); });
        var started = Date.now();
        return call(box.dataset.api, { method: "POST", body: form }).then(function (reply) { return answer(reply, id, started); });
      })
      .catch(function () { show("offline", word("offline")); });
  });

  startCamera()
    .then(function () { go.disabled = false; })
    .catch(function () { show("camera", word("camera")); go.disabled = true; });
})();

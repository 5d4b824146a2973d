// Webcam enrollment: live preview, 3 to 5 shots with guidance, then one upload.
(function () {
  var start = document.getElementById("camera-start");
  if (!start || !window.peopleUpload) return;
  var panel = document.getElementById("camera-panel");
  var video = document.getElementById("camera-video");
  var guide = document.getElementById("camera-guide");
  var shoot = document.getElementById("camera-shoot");
  var save = document.getElementById("camera-save");
  var stop = document.getElementById("camera-stop");
  var shotsBox = document.getElementById("camera-shots");
  var status = document.getElementById("camera-status");
  var MIN = 3, MAX = 5;
  var STEPS = [
    gettext("Look straight at the camera"),
    gettext("Turn your head slightly to the left"),
    gettext("Turn your head slightly to the right"),
    gettext("Tilt your chin up a little"),
    gettext("Look straight again, with a natural smile"),
  ];
  var stream = null;
  var shots = [];

  function refresh() {
    var n = shots.length;
    guide.textContent = n < MAX
      ? interpolate(gettext("Photo %(number)s of %(total)s: %(step)s"), { number: n + 1, total: MAX, step: STEPS[n] }, true)
      : gettext("That is enough: save the photos.");
    shoot.disabled = n >= MAX;
    save.disabled = n < MIN;
    save.textContent = n < MIN
      ? interpolate(gettext("Save photos (take at least %s)"), [MIN])
      : interpolate(ngettext("Save %s photo", "Save %s photos", n), [n]);
  }

  function close() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.srcObject = null;
    panel.hidden = true;
    start.hidden = false;
    window.peopleCameraBusy = false;
  }

  start.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      status.textContent = gettext("This browser cannot use a camera here (it needs HTTPS or localhost).");
      return;
    }
    status.textContent = gettext("Asking for the camera…");
    navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        shots = [];
        shotsBox.innerHTML = "";
        panel.hidden = false;
        start.hidden = true;
        window.peopleCameraBusy = true;
        status.textContent = gettext("Face the camera in good light, with only you in the picture.");
        refresh();
      })
      .catch(function (err) {
        status.textContent = interpolate(gettext("The camera could not be opened (%s). Allow the camera for this site, or upload photos instead."), [err.name]);
      });
  });

  shoot.addEventListener("click", function () {
    if (!video.videoWidth || shots.length >= MAX) return;
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(function (blob) {
      var n = shots.length + 1;
      var file = new File([blob], "webcam-" + Date.now() + "-" + n + ".jpg", { type: "image/jpeg" });
      shots.push(file);
      var img = document.createElement("img");
      img.src = URL.createObjectURL(blob);
      img.alt = interpolate(gettext("Shot %s"), [n]);
      shotsBox.appendChild(img);
      refresh();
    }, "image/jpeg", 0.92);
  });

  save.addEventListener("click", function () {
    if (shots.length < MIN) return;
    save.disabled = shoot.disabled = true;
    var files = shots.slice();
    window.peopleUpload(files).then(function (data) {
      close();
      status.textContent = data ? interpolate(ngettext("%s photo sent; its checks appear above.", "%s photos sent; their checks appear above.", files.length), [files.length]) : "";
      if (data && data.added) window.location.reload();
    });
  });

  stop.addEventListener("click", close);
})();

// Reception's webcam: one photo of the visitor, put into the form's photo field as a JPEG file.
(function () {
  var start = document.getElementById("visitor-camera-start");
  var input = document.querySelector("#visitor-form input[type=file][name=photo]");
  if (!start || !input || !navigator.mediaDevices) return;
  var panel = document.getElementById("visitor-camera-panel");
  var video = document.getElementById("visitor-camera-video");
  var shoot = document.getElementById("visitor-camera-shoot");
  var status = document.getElementById("visitor-camera-status");
  var stream = null;

  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false })
      .then(function (s) { stream = s; video.srcObject = s; panel.hidden = false; start.hidden = true; })
      .catch(function (e) { status.textContent = interpolate(gettext("The camera could not be opened: %s"), [e.message]); });
  });

  shoot.addEventListener("click", function () {
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(function (blob) {
      var files = new DataTransfer();
      files.items.add(new File([blob], "visitor.jpg", { type: "image/jpeg" }));
      input.files = files.files;
      status.textContent = gettext("Photo taken; register to save it.");
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      panel.hidden = true;
      start.hidden = false;
      start.textContent = gettext("Take it again");
    }, "image/jpeg", 0.9);
  });
})();

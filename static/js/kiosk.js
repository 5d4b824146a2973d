// The check-in kiosk: camera, attempts, results. Plain script, no library.
//
// The kiosk's secret token lives in this browser's localStorage (put there by
// the pairing page) and goes with every API call as `Authorization: Kiosk …`.
// Each attempt gets its own id before anything is sent; when the server
// cannot be reached the same attempt (same id, same frames) is sent again
// until it answers, so an attempt the server took is never lost nor counted
// twice.
//
// Words come from the scripts' catalogue (gettext, /jsi18n/) in the page's
// language: the kiosk's own language when it has one (the page reloads once
// in it after reading the configuration), else the browser's. Results are
// also spoken, in that language.
(function () {
  "use strict";

  var body = document.body;
  var token = localStorage.getItem("kiosk-token");
  var video = document.getElementById("video");
  var prompt = document.getElementById("prompt");
  var go = document.getElementById("go");
  var offline = document.getElementById("offline");
  var idInput = document.getElementById("employee-id");
  var panels = ["keypad", "directions", "result", "blocked"];

  var config = null;
  var busy = false; // an attempt is being captured, sent or shown
  var employeeId = "";
  var chosenDirection = "";
  var resetTimer = null;

  // --- screen -----------------------------------------------------------------

  function show(state, panel) {
    body.dataset.state = state;
    panels.forEach(function (name) {
      document.getElementById(name).hidden = name !== panel;
    });
  }

  function say(text) {
    prompt.textContent = text;
  }

  // The result out loud, for people who do not look at the screen. The voice's
  // language is the page's (the catalogue says which tag a speech engine knows it by).
  function speak(text) {
    if (!text || !window.speechSynthesis || !window.SpeechSynthesisUtterance) return;
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = pgettext("speech language tag (BCP 47) of this translation", "en-US");
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  }

  function block(title, text) {
    busy = true;
    document.getElementById("blocked-title").textContent = title;
    document.getElementById("blocked-text").textContent = text;
    go.hidden = true;
    show("blocked", "blocked");
  }

  function setOffline(down) {
    offline.hidden = !down;
    body.classList.toggle("is-offline", down);
  }

  function tick() {
    var now = new Date();
    document.getElementById("clock").textContent =
      String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
  }
  tick();
  setInterval(tick, 5000);

  // --- server -----------------------------------------------------------------

  function api(url, options) {
    options = options || {};
    options.headers = { Authorization: "Kiosk " + token, Accept: "application/json" };
    options.credentials = "omit"; // the token, never a session
    options.cache = "no-store";
    return fetch(url, options).then(function (response) {
      if (response.status === 401 || response.status === 403) {
        return response.json().then(function (json) {
          if (json.error === "revoked") {
            block(gettext("This kiosk has been revoked"), gettext("An administrator revoked this kiosk. Ask them for a new one."));
          } else {
            unpaired();
          }
          throw new Stop();
        });
      }
      if (response.status >= 500 || response.status === 429) throw new TypeError("server " + response.status);
      return response.json().then(function (json) {
        return { status: response.status, json: json };
      });
    });
  }

  function Stop() {}
  // the attempt's time is up: nobody should watch "One moment…" for ever
  function GaveUp() {}

  // Keep trying while the server cannot be reached, until `deadline` (ms);
  // resolves with its answer.
  function persist(call, deadline) {
    var delay = 500;
    return new Promise(function (resolve, reject) {
      function attempt() {
        call().then(
          function (answer) {
            setOffline(false);
            resolve(answer);
          },
          function (error) {
            if (error instanceof Stop) return reject(error);
            setOffline(true);
            delay = Math.min(delay * 2, 5000);
            if (Date.now() + delay > deadline) return reject(new GaveUp());
            setTimeout(attempt, delay);
          }
        );
      }
      attempt();
    });
  }

  function unpaired() {
    block(gettext("This browser is not paired with a kiosk"),
      interpolate(gettext("An administrator opens the kiosk in the admin pages and chooses “Pair a browser”, then opens the link here or types the code at %s"),
        [window.location.origin + body.dataset.pairUrl]));
  }

  // --- camera -----------------------------------------------------------------

  var grab = document.createElement("canvas");
  var probe = document.createElement("canvas");
  probe.width = 24;
  probe.height = 18;

  function startCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      block(gettext("No camera access"), gettext("This browser cannot use the camera here; open the kiosk over HTTPS."));
      return Promise.reject(new Stop());
    }
    return navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "user", width: { ideal: 640 }, height: { ideal: 480 } }, audio: false })
      .then(function (stream) {
        video.srcObject = stream;
        return video.play();
      })
      .catch(function (error) {
        block(gettext("The camera is not available"), String(error && error.message ? error.message : error));
        throw new Stop();
      });
  }

  // One JPEG frame, `width` pixels wide, as sent to the server.
  function frame(width) {
    var w = video.videoWidth, h = video.videoHeight;
    var scale = Math.min(1, width / w);
    grab.width = Math.round(w * scale);
    grab.height = Math.round(h * scale);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    return new Promise(function (resolve) {
      grab.toBlob(resolve, "image/jpeg", 0.85);
    });
  }

  function burst(count, interval, width) {
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

  // A tiny grey picture of the face guide's area: is something new in view?
  function signature() {
    if (!video.videoWidth) return null;
    var w = video.videoWidth, h = video.videoHeight;
    var ctx = probe.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, w * 0.25, h * 0.1, w * 0.5, h * 0.8, 0, 0, probe.width, probe.height);
    var data = ctx.getImageData(0, 0, probe.width, probe.height).data;
    var grey = new Float32Array(probe.width * probe.height);
    for (var i = 0; i < grey.length; i++) grey[i] = (data[4 * i] + data[4 * i + 1] + data[4 * i + 2]) / 3;
    return grey;
  }

  function difference(a, b) {
    var sum = 0;
    for (var i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
    return sum / a.length;
  }

  function contrast(a) {
    var mean = 0, i;
    for (i = 0; i < a.length; i++) mean += a[i];
    mean /= a.length;
    var v = 0;
    for (i = 0; i < a.length; i++) v += (a[i] - mean) * (a[i] - mean);
    return Math.sqrt(v / a.length);
  }

  // Send an attempt on its own when the picture in the guide has changed since
  // the last attempt and has settled (someone stepped up and stands still).
  // An empty hallway therefore costs one attempt, not one per second.
  var previous = null, steady = 0, lastAttempt = null;
  function watch() {
    var current = signature();
    if (current && previous) {
      steady = difference(current, previous) < 6 ? steady + 1 : 0;
      var changed = !lastAttempt || difference(current, lastAttempt) > 14;
      if (!busy && automatic() && steady >= 2 && changed && contrast(current) > 10) {
        attempt({ automatic: true });
      }
    }
    previous = current;
  }

  function automatic() {
    return config && config.mode === "identify" && (config.direction !== "buttons" || doorOnly());
  }

  // --- attempts ---------------------------------------------------------------

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function attempt(options) {
    if (busy) return;
    busy = true;
    clearTimeout(resetTimer);
    lastAttempt = signature();
    var form = new FormData();
    form.append("client_id", newId());
    if (employeeId) form.append("employee_id", employeeId);
    if (chosenDirection) form.append("direction", chosenDirection);
    var deadline = Infinity;
    show("capturing", null);
    go.hidden = true;
    say(config.liveness ? gettext("Hold on… turn your head a little") : gettext("Hold still…"));
    challenge(form)
      .then(function () {
        return burst(config.frames, config.frame_interval_ms, config.frame_width);
      })
      .then(function (frames) {
        frames.forEach(function (blob, i) { form.append("frame", blob, "frame-" + i + ".jpg"); });
        show("sending", null);
        say(gettext("One moment…"));
        deadline = Date.now() + ((config && config.give_up_seconds) || 20) * 1000;
        return persist(function () {
          return api(body.dataset.capturesUrl, { method: "POST", body: form });
        }, deadline);
      })
      .then(function (answer) {
        return answer.status === 202 ? poll(answer.json.id, deadline) : answer;
      })
      .then(function (answer) {
        if (answer.status >= 400) return result({ outcome: "error", message: answer.json.message }, false);
        result(answer.json, options.automatic);
      })
      .catch(function (error) {
        if (error instanceof Stop) return;
        if (error instanceof GaveUp) {
          result({ outcome: "timeout", message: gettext("No answer yet. Please try again in a moment") });
        } else {
          result({ outcome: "error", message: gettext("Something went wrong, please try again") });
        }
      });
  }

  // A door set to high liveness: the server picks a movement at random (turn left or right,
  // blink) for this attempt; the kiosk shows and says it, and sends its token with the frames,
  // which must show that movement.
  function challenge(form) {
    if (!config.challenge) return Promise.resolve();
    return api(body.dataset.challengeUrl, { method: "POST" }).then(function (answer) {
      if (answer.status !== 200) throw new Error(answer.json.message || "challenge");
      form.append("challenge", answer.json.token);
      say(answer.json.prompt);
      speak(answer.json.prompt);
      // a moment to hear the prompt before the first frame
      return new Promise(function (resolve) { setTimeout(resolve, 600); });
    });
  }

  function poll(id, deadline) {
    var url = body.dataset.capturesUrl + "/" + encodeURIComponent(id);
    return new Promise(function (resolve, reject) {
      function again() {
        persist(function () { return api(url); }, deadline).then(function (answer) {
          if (answer.status !== 202) return resolve(answer);
          if (Date.now() + 300 > deadline) return reject(new GaveUp());
          setTimeout(again, 300);
        }, reject);
      }
      setTimeout(again, 300);
    });
  }

  function result(answer, automatic) {
    // nobody in view on an attempt nobody asked for: stay quiet
    if (automatic && answer.outcome === "no_face") return idle();
    // at a door: "door_open" is good, "denied" (with its reason as the message) is not
    var good = ["checked_in", "checked_out", "already", "recognized", "door_open"].indexOf(answer.outcome) >= 0;
    var photo = document.getElementById("result-photo");
    photo.hidden = !answer.photo;
    if (answer.photo) photo.src = answer.photo;
    var message = document.getElementById("result-message");
    message.textContent = answer.message;
    speak(answer.message);
    var panel = document.getElementById("result");
    panel.dataset.outcome = answer.outcome;
    panel.className = "panel result " + (good ? "good" : "bad");
    show("result", "result");
    resetTimer = setTimeout(idle, ((config && config.reset_seconds) || 5) * 1000);
  }

  // --- the idle screen of each mode -------------------------------------------

  function idle() {
    busy = false;
    employeeId = "";
    chosenDirection = "";
    idInput.value = "";
    pinStep = null;
    idInput.type = "text";
    keypadTitle.textContent = gettext("Type your employee ID or scan your badge");
    pinStart.hidden = config.door_mode !== "face_or_pin";
    if (config.mode === "verify") {
      show("keypad", "keypad");
      go.hidden = true;
      say(gettext("Type your employee ID"));
      idInput.focus();
    } else if (config.direction === "buttons" && !doorOnly()) {
      show("choose", "directions");
      go.hidden = true;
      say(gettext("Check in or check out?"));
    } else {
      show("watching", null);
      go.textContent = nextEventLabel();
      go.hidden = false;
      say(gettext("Look at the camera"));
    }
  }

  // a door that is not a time clock records no attendance: the kiosk only opens it
  function doorOnly() {
    return Boolean(config.door) && config.door_time_clock === false;
  }

  // the button promises only what the next event will really be
  function nextEventLabel() {
    if (doorOnly()) return gettext("Tap to open the door");
    if (config.direction === "in") return gettext("Tap to check in");
    if (config.direction === "out") return gettext("Tap to check out");
    if (config.punch_mode === "time_of_day" && config.cutoff) {
      var now = new Date();
      var hm = ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
      return hm < config.cutoff ? gettext("Tap to check in") : gettext("Tap to check out");
    }
    return gettext("Tap to check in or out");
  }

  document.getElementById("keypad").addEventListener("click", function (event) {
    var key = event.target.dataset && event.target.dataset.key;
    if (!key) return;
    idInput.value = key === "back" ? idInput.value.slice(0, -1) : idInput.value + key;
    idInput.focus();
  });

  // a door in "face, or badge and PIN" mode: employee ID, then PIN, then the door decides
  var pinStep = null;
  var pinStart = document.getElementById("pin-start");
  var keypadTitle = document.getElementById("keypad-title");
  pinStart.addEventListener("click", function () {
    clearTimeout(resetTimer);
    busy = true;  // no face attempt while the person types
    pinStep = "id";
    idInput.value = "";
    show("keypad", "keypad");
    go.hidden = true;
    pinStart.hidden = true;
    say(gettext("Type your employee ID"));
    idInput.focus();
  });

  function badgeAttempt(pin) {
    busy = true;
    var form = new FormData();
    form.append("employee_id", employeeId);
    form.append("pin", pin);
    show("sending", null);
    say(gettext("One moment…"));
    api(body.dataset.badgeUrl, { method: "POST", body: form })
      .then(function (answer) {
        if (answer.status >= 400) return result({ outcome: "error", message: answer.json.message }, false);
        result(answer.json, false);
      })
      .catch(function () { result({ outcome: "error", message: gettext("Something went wrong, please try again") }); });
  }

  // a badge scanner types the number and Enter, like a keyboard
  document.getElementById("id-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (pinStep === "pin") {
      var pin = idInput.value;
      idInput.value = "";
      if (pin) badgeAttempt(pin);
      return;
    }
    employeeId = idInput.value.trim();
    if (!employeeId) return;
    if (pinStep === "id") {
      pinStep = "pin";
      idInput.value = "";
      idInput.type = "password";
      keypadTitle.textContent = gettext("Type your PIN");
      say(interpolate(gettext("Employee %s: type your PIN"), [employeeId]));
      idInput.focus();
      return;
    }
    if (config.direction === "buttons" && !doorOnly()) {
      show("choose", "directions");
      say(gettext("Check in or check out?"));
    } else {
      lookAtCamera();
    }
  });

  document.getElementById("directions").addEventListener("click", function (event) {
    var direction = event.target.dataset && event.target.dataset.direction;
    if (!direction) return;
    chosenDirection = direction;
    lookAtCamera();
  });

  // give the person a moment to face the camera after touching the screen
  function lookAtCamera() {
    show("ready", null);
    say(employeeId ? interpolate(gettext("Employee %s: look at the camera"), [employeeId]) : gettext("Look at the camera"));
    setTimeout(function () { attempt({ automatic: false }); }, 700);
  }

  go.addEventListener("click", function () {
    attempt({ automatic: false });
  });

  // --- start ------------------------------------------------------------------

  // The kiosk's own language (set by an administrator; empty: the browser's): when
  // this page was made in another one, load it again in the right one, once.
  function languageFollows(language) {
    if (language === (body.dataset.language || "")) return true;
    var url = body.dataset.kioskUrl + (language ? "?language=" + encodeURIComponent(language) : "");
    window.location.replace(url);
    return false;
  }

  if (!token) {
    unpaired();
    return;
  }
  say(gettext("Connecting…"));
  persist(function () { return api(body.dataset.configUrl); })
    .then(function (answer) {
      config = answer.json;
      if (!languageFollows(config.language || "")) throw new Stop();
      document.getElementById("kiosk-name").textContent = config.name + (config.location ? " · " + config.location : "");
      return startCamera();
    })
    .then(function () {
      idle();
      setInterval(watch, 200);
    })
    .catch(function () { /* the screen already says what is wrong */ });
})();

/* Sổ Gốc: read a printed verification QR code with the phone's camera and open its page.
 *
 * Plain script, no framework, no network: frames are decoded on the device by the vendored
 * jsQR (static/vendor/jsQR.js). Only a URL of this verifier's form `<base>/v/<26-character id>`,
 * on this origin or on the configured public base URL, is followed, and always to this origin's
 * own /v/<id>: a scanned code can never send the reader elsewhere. Anything else is shown as
 * "not a Sổ Gốc code" with the text read, and scanning goes on.
 */
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) return;

  var video = document.getElementById("scan-video");
  var statusLine = document.getElementById("scan-status");
  var foreign = document.getElementById("scan-foreign");
  var foreignText = document.getElementById("scan-foreign-text");
  var langQuery = root.getAttribute("data-lang-query") || "";
  var bases = [window.location.origin + "/"];
  var configured = root.getAttribute("data-base-url");
  if (configured) bases.push(configured.replace(/\/+$/, "") + "/");

  var MAX_SIDE = 960;       // decode at most this many pixels on the long side (speed on phones)
  var INTERVAL_MS = 120;    // about 8 decodes a second
  var ID = /^v\/([a-z2-7]{26})\/?$/;

  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var timer = null;
  var lastForeign = null;

  function say(key) {
    statusLine.textContent = root.getAttribute("data-text-" + key) || "";
  }

  function showProblem(name) {
    stop();
    root.hidden = true;
    var panels = document.querySelectorAll(".scan-problem");
    for (var i = 0; i < panels.length; i++) panels[i].hidden = panels[i].id !== "scan-problem-" + name;
  }

  function hideProblems() {
    var panels = document.querySelectorAll(".scan-problem");
    for (var i = 0; i < panels.length; i++) panels[i].hidden = true;
  }

  /** The document id of a verification URL of this verifier, or null. */
  function documentIdOf(text) {
    var url;
    try { url = new URL(String(text).trim()); } catch (e) { return null; }
    if (url.protocol !== "https:" && url.protocol !== "http:") return null;
    for (var i = 0; i < bases.length; i++) {
      var base;
      try { base = new URL(bases[i]); } catch (e) { continue; }
      if (url.origin !== base.origin || url.pathname.indexOf(base.pathname) !== 0) continue;
      var match = ID.exec(url.pathname.slice(base.pathname.length));
      if (match) return match[1];
    }
    return null;
  }

  function onRead(text) {
    var id = documentIdOf(text);
    if (id) {
      stop();
      foreign.hidden = true;
      say("found");
      window.location.assign("/v/" + id + langQuery);
      return;
    }
    if (text !== lastForeign) {
      lastForeign = text;
      foreignText.textContent = text.length > 300 ? text.slice(0, 300) + "…" : text;
      foreign.hidden = false;
    }
  }

  function decodeFrame() {
    timer = null;
    if (!stream) return;
    var w = video.videoWidth, h = video.videoHeight;
    if (video.readyState >= 2 && w && h) {
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      var cw = Math.round(w * scale), ch = Math.round(h * scale);
      if (canvas.width !== cw || canvas.height !== ch) { canvas.width = cw; canvas.height = ch; }
      context.drawImage(video, 0, 0, cw, ch);
      var code = null;
      try {
        code = window.jsQR(context.getImageData(0, 0, cw, ch).data, cw, ch, { inversionAttempts: "dontInvert" });
      } catch (e) { /* one unreadable frame: try the next one */ }
      if (code && code.data) onRead(code.data);
    }
    if (stream) timer = window.setTimeout(decodeFrame, INTERVAL_MS);
  }

  function problemOf(error) {
    switch (error && error.name) {
      case "NotAllowedError": case "SecurityError": case "PermissionDeniedError": return "denied";
      case "NotFoundError": case "OverconstrainedError": case "DevicesNotFoundError": return "nocamera";
      case "NotReadableError": case "TrackStartError": case "AbortError": return "busy";
      default: return "failed";
    }
  }

  function start() {
    hideProblems();
    if (!window.isSecureContext) return showProblem("insecure");
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof window.jsQR !== "function") {
      return showProblem("unsupported");
    }
    root.hidden = false;
    say("starting");
    navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } }
    }).then(function (s) {
      stream = s;
      video.srcObject = s;
      var playing = video.play();
      if (playing && playing.catch) playing.catch(function () { /* autoplay of a muted stream: harmless */ });
      say("looking");
      decodeFrame();
    }, function (error) {
      showProblem(problemOf(error));
    });
  }

  function stop() {
    if (timer !== null) { window.clearTimeout(timer); timer = null; }
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
  }

  var retries = document.querySelectorAll(".scan-retry");
  for (var i = 0; i < retries.length; i++) retries[i].addEventListener("click", start);
  // Free the camera when the page goes away; start again when it comes back from the back/forward cache.
  window.addEventListener("pagehide", stop);
  window.addEventListener("pageshow", function (event) { if (event.persisted) start(); });

  start();
})();

/* fedi — progressive enhancement only; every page works without this file.
 *
 *  - Character counter: <textarea id="X" data-maxlength="500"> updates the element
 *    [data-counter-for="X"] with the characters left (negative when over; the server decides).
 *  - Confirmation: <form data-confirm="Delete this post?"> asks before submitting; once the person
 *    says OK, a hidden <input name="confirmed"> in the form is set to "yes" (without JavaScript it
 *    stays "no" and the server asks on a page of its own).
 *  - Pictures: <li class="media-item" data-blurhash="…"> gets the blurred preview painted on a
 *    <canvas> behind its <img> until the picture has loaded; <img data-focus="x,y"> (Mastodon's
 *    focal point, -1..1 with y pointing up) is cropped around that point.
 *  - Copy buttons: <button data-copy="ID" hidden> is shown and copies the value of the field #ID;
 *    the element [data-copy-status="ID"] (role="status") says whether it worked.
 *  - Back buttons: <button data-history-back hidden> is shown and goes back in history.
 *
 * window.fedi.enhance(root) re-runs the per-element set-up for HTML inserted later
 * (for example by the live timeline).
 */
(function () {
  "use strict";

  function countChars(text) {
    // Count code points, not UTF-16 units, so an emoji counts as one character.
    return Array.from(text).length;
  }

  function counterFor(textarea) {
    if (!textarea.id) return null;
    var selector = '[data-counter-for="' + (window.CSS && CSS.escape ? CSS.escape(textarea.id) : textarea.id) + '"]';
    return document.querySelector(selector);
  }

  function setUpCounter(textarea) {
    if (textarea.dataset.fediCounter) return;
    var max = parseInt(textarea.getAttribute("data-maxlength"), 10);
    var out = counterFor(textarea);
    if (!max || !out) return;
    textarea.dataset.fediCounter = "1";

    function update() {
      var left = max - countChars(textarea.value);
      if (left >= 0) {
        out.textContent = left + (left === 1 ? " character left" : " characters left");
      } else {
        out.textContent = -left + (left === -1 ? " character" : " characters") + " over the limit of " + max;
      }
      out.classList.toggle("is-near", left >= 0 && left <= 20);
      out.classList.toggle("is-over", left < 0);
    }

    textarea.addEventListener("input", update);
    update();
  }

  function setUpBackButton(button) {
    if (window.history.length < 2) return;
    button.hidden = false;
    button.addEventListener("click", function () { window.history.back(); });
  }

  // Blurhash (https://blurha.sh): a few colour components in base 83, decoded into pixels.
  var BASE83 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

  function decode83(text) {
    var value = 0;
    for (var i = 0; i < text.length; i++) {
      var digit = BASE83.indexOf(text.charAt(i));
      if (digit < 0) return NaN;
      value = value * 83 + digit;
    }
    return value;
  }

  function toLinear(value) {
    var v = value / 255;
    return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  }

  function toSRGB(value) {
    var v = Math.max(0, Math.min(1, value));
    return Math.round((v <= 0.0031308 ? v * 12.92 : 1.055 * Math.pow(v, 1 / 2.4) - 0.055) * 255);
  }

  function signedSquare(value) {
    return (value < 0 ? -1 : 1) * value * value;
  }

  function blurhashPixels(hash, width, height) {
    var size = decode83(hash.charAt(0));
    var nx = size % 9 + 1, ny = Math.floor(size / 9) + 1;
    if (isNaN(size) || hash.length !== 4 + 2 * nx * ny) return null;
    var max = (decode83(hash.charAt(1)) + 1) / 166;
    var dc = decode83(hash.slice(2, 6));
    var colors = [[toLinear(dc >> 16), toLinear((dc >> 8) & 255), toLinear(dc & 255)]];
    for (var c = 1; c < nx * ny; c++) {
      var ac = decode83(hash.slice(4 + c * 2, 6 + c * 2));
      colors.push([
        signedSquare((Math.floor(ac / 361) - 9) / 9) * max,
        signedSquare((Math.floor(ac / 19) % 19 - 9) / 9) * max,
        signedSquare((ac % 19 - 9) / 9) * max
      ]);
    }
    if (isNaN(max) || isNaN(dc) || colors.some(function (rgb) { return rgb.some(isNaN); })) return null;
    var pixels = new Uint8ClampedArray(width * height * 4);
    for (var y = 0; y < height; y++) {
      for (var x = 0; x < width; x++) {
        var r = 0, g = 0, b = 0;
        for (var j = 0; j < ny; j++) {
          for (var i = 0; i < nx; i++) {
            var basis = Math.cos(Math.PI * x * i / width) * Math.cos(Math.PI * y * j / height);
            var color = colors[i + j * nx];
            r += color[0] * basis; g += color[1] * basis; b += color[2] * basis;
          }
        }
        var at = 4 * (x + y * width);
        pixels[at] = toSRGB(r); pixels[at + 1] = toSRGB(g); pixels[at + 2] = toSRGB(b); pixels[at + 3] = 255;
      }
    }
    return pixels;
  }

  function setUpBlurhash(item) {
    if (item.dataset.fediBlurhash) return;
    item.dataset.fediBlurhash = "1";
    var img = item.querySelector("img");
    if (!img || (img.complete && img.naturalWidth)) return;
    var side = 32;
    var pixels = blurhashPixels(item.getAttribute("data-blurhash") || "", side, side);
    var canvas = document.createElement("canvas");
    var context = pixels && canvas.getContext && canvas.getContext("2d");
    if (!context) return;
    canvas.width = canvas.height = side;
    canvas.className = "media-blurhash";
    canvas.setAttribute("aria-hidden", "true");
    context.putImageData(new ImageData(pixels, side, side), 0, 0);
    item.insertBefore(canvas, item.firstChild);
    img.addEventListener("load", function () { canvas.remove(); });
  }

  function setUpFocus(img) {
    var parts = (img.getAttribute("data-focus") || "").split(",");
    var x = parseFloat(parts[0]), y = parseFloat(parts[1]);
    if (isNaN(x) || isNaN(y)) return;
    x = Math.max(-1, Math.min(1, x));
    y = Math.max(-1, Math.min(1, y));
    // Setting a style property from a script is allowed by the page's CSP (style="" is not).
    img.style.objectPosition = ((x + 1) / 2 * 100) + "% " + ((1 - y) / 2 * 100) + "%";
  }

  function copyText(field) {
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    return new Promise(function (resolve, reject) {
      if (document.execCommand && document.execCommand("copy")) resolve(); else reject();
    });
  }

  function setUpCopyButton(button) {
    var id = button.getAttribute("data-copy");
    var field = document.getElementById(id);
    if (!field || button.dataset.fediCopy) return;
    button.dataset.fediCopy = "1";
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    function say(text) { if (status) status.textContent = text; }
    button.hidden = false;
    field.addEventListener("focus", function () { field.select(); });
    button.addEventListener("click", function () {
      copyText(field).then(
        function () { say("Copied."); },
        function () { say("Could not copy it here; it is selected, so copy it by hand."); }
      );
    });
  }

  function enhance(root) {
    root = root || document;
    root.querySelectorAll("textarea[data-maxlength]").forEach(setUpCounter);
    root.querySelectorAll("button[data-history-back]").forEach(setUpBackButton);
    root.querySelectorAll("button[data-copy]").forEach(setUpCopyButton);
    root.querySelectorAll(".media-item[data-blurhash]").forEach(setUpBlurhash);
    root.querySelectorAll("img[data-focus]").forEach(setUpFocus);
    root.querySelectorAll("input[data-utc-offset]").forEach(setUpLocalTime);
  }

  // "Publish later": without script the time is read as UTC; with it, as the browser's own time
  // (its offset east of UTC goes with the form).
  function setUpLocalTime(offset) {
    offset.value = String(-new Date().getTimezoneOffset());
    var help = document.getElementById("scheduled_at-help");
    if (help) help.textContent = "Leave empty to publish now. Your local time, at least 5 minutes ahead.";
  }

  // One delegated listener covers forms added after load too.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var message = form.getAttribute("data-confirm");
    if (!message) return;
    if (!window.confirm(message)) {
      event.preventDefault();
      return;
    }
    var confirmed = form.querySelector('input[name="confirmed"]');
    if (confirmed) confirmed.value = "yes";
  });

  window.fedi = window.fedi || {};
  window.fedi.enhance = enhance;

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();

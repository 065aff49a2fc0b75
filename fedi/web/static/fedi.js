/* fedi — progressive enhancement only; every page works without this file.
 *
 *  - Character counter: <textarea id="X" data-maxlength="500"> updates the element
 *    [data-counter-for="X"] with the characters left (negative when over; the server decides).
 *  - Confirmation: <form data-confirm="Delete this post?"> asks before submitting.
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

  function enhance(root) {
    root = root || document;
    root.querySelectorAll("textarea[data-maxlength]").forEach(setUpCounter);
    root.querySelectorAll("button[data-history-back]").forEach(setUpBackButton);
  }

  // One delegated listener covers forms added after load too.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  window.fedi = window.fedi || {};
  window.fedi.enhance = enhance;

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
})();

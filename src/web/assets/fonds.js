// Fonds reader: enhancements only; every page works without this script.
// Copy buttons: each `button[data-copy]` copies the text of the element it names.
(function () {
  "use strict";
  function copyText(text, button) {
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { select(button); });
    } else {
      select(button);
    }
  }
  function select(button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    var range = document.createRange();
    range.selectNodeContents(target);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (!target) { return; }
    button.hidden = false;
    button.setAttribute("aria-label", "Copy: " + (target.getAttribute("aria-labelledby")
      ? document.getElementById(target.getAttribute("aria-labelledby")).textContent : "citation"));
    button.addEventListener("click", function () { copyText(target.textContent.trim(), button); });
  });
})();

// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Move focus to the error summary after a failed form, so screen readers announce it first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-autofocus]");
    if (summary) {
      summary.focus();
    }

    // Clicking a link in the error summary focuses the field, not just scrolls to it.
    document.querySelectorAll(".error-summary a[href^='#']").forEach(function (a) {
      a.addEventListener("click", function (ev) {
        var target = document.getElementById(a.getAttribute("href").slice(1));
        if (target) {
          ev.preventDefault();
          var input = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
          (input || target).focus();
          target.scrollIntoView({ block: "center" });
        }
      });
    });

    // Ask before destructive actions.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          ev.preventDefault();
        }
      });
    });

    // Select a freshly shown token so it can be copied at once.
    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  });
})();

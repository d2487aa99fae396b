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

    // Count words as people type, against the limit the server also checks. The count is announced
    // politely, and only when typing pauses, so a screen reader is not flooded.
    document.querySelectorAll("[data-word-count]").forEach(function (counter) {
      var field = document.getElementById(counter.getAttribute("data-word-count"));
      var max = parseInt(counter.getAttribute("data-max-words"), 10);
      var out = counter.querySelector("[data-words]");
      if (!field || !out || !max) {
        return;
      }
      counter.setAttribute("aria-live", "polite");
      var timer;
      field.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(function () {
          var n = (field.value.match(/\S*[\p{L}\p{Nd}]\S*/gu) || []).length;
          out.textContent = String(n);
          counter.classList.toggle("over", n > max);
          var note = counter.querySelector("strong");
          if (n > max) {
            if (!note) {
              note = document.createElement("strong");
              counter.appendChild(document.createTextNode(" "));
              counter.appendChild(note);
            }
            note.textContent = "(" + (n - max) + " over the limit)";
          } else if (note) {
            note.textContent = "";
          }
        }, 400);
      });
    });

    // Times of the call in the viewer's own time zone, next to the conference's.
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (e) {
      zone = "";
    }
    document.querySelectorAll("[data-local-time]").forEach(function (el) {
      var t = new Date(el.getAttribute("data-local-time"));
      if (isNaN(t)) {
        return;
      }
      var text = t.toLocaleString(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
      // The space before it is the script's: without the script no space is left before the stop.
      el.textContent = " (your time" + (zone ? ", " + zone : "") + ": " + text + ")";
    });

    // A countdown to the deadline. It is a timer (not announced as it changes); it updates each
    // second in the last hour and each half minute before.
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var end = new Date(el.getAttribute("data-countdown"));
      if (isNaN(end)) {
        return;
      }
      function part(n, one) {
        return n + " " + one + (n === 1 ? "" : "s");
      }
      function tick() {
        var ms = end - new Date();
        if (ms <= 0) {
          el.textContent = "The deadline has passed.";
          return;
        }
        var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
        var parts = d > 0 ? [part(d, "day"), part(h, "hour"), part(m, "minute")] :
          h > 0 ? [part(h, "hour"), part(m, "minute")] : [part(m, "minute"), part(s % 60, "second")];
        el.textContent = "Closes in " + parts.join(", ") + ".";
        setTimeout(tick, ms < 3600000 ? 1000 : 30000);
      }
      tick();
    });

    // Select a freshly shown token so it can be copied at once.
    // Program times: the conference's time is in the page; where the viewer's zone differs, add
    // their own, e.g. "(16:30–17:30 your time, Europe/Berlin)", with the weekday if the date differs.
    document.querySelectorAll("[data-local-start]").forEach(function (el) {
      var start = new Date(el.getAttribute("data-local-start"));
      var end = new Date(el.getAttribute("data-local-end"));
      var confZone = el.getAttribute("data-zone");
      if (isNaN(start) || isNaN(end) || !zone || zone === confZone) {
        return;
      }
      var clock = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      var day = function (t, z) {
        return t.toLocaleDateString("en-CA", { timeZone: z });
      };
      var withDay = day(start, zone) !== day(start, confZone);
      var from = start.toLocaleString(undefined, withDay ? Object.assign({ weekday: "short" }, clock) : clock);
      var to = end.toLocaleTimeString(undefined, clock);
      el.textContent = "(" + from + "–" + to + " your time, " + zone + ")";
    });

    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  });
})();

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

    // A form larger than its route accepts (data-body-limit, the server's own figure) is refused
    // whole, and the browser shows that answer in place of the form. Measured as the browser will
    // send it, such a form is kept from leaving, as typed, and the error summary says by how much it
    // is too long. Without this script the server's answer says how to go back to the text.
    document.querySelectorAll("form[data-body-limit]").forEach(function (form) {
      var limit = parseInt(form.getAttribute("data-body-limit"), 10);
      if (!limit || typeof FormData !== "function" || typeof URLSearchParams !== "function") {
        return;
      }
      form.addEventListener("submit", function (ev) {
        var data;
        try {
          data = new FormData(form, ev.submitter || null); // with the button pressed, as sent
        } catch (e) {
          data = new FormData(form);
        }
        // Encoded as application/x-www-form-urlencoded, line ends as CRLF: the body's exact size.
        var size = -1, longest = null;
        data.forEach(function (value, name) {
          if (typeof value !== "string") {
            return;
          }
          value = value.replace(/\r\n|\r|\n/g, "\r\n");
          var bytes = new URLSearchParams([[name, value]]).toString().length;
          size += bytes + 1; // and the "&" between pairs
          if (!longest || bytes > longest.bytes) {
            longest = { name: name, bytes: bytes, chars: value.length };
          }
        });
        if (size <= limit) {
          return;
        }
        ev.preventDefault();
        // In characters of the longest text, as its own encoding counts them, rounded up.
        var over = Math.ceil((size - limit) * Math.max(1, longest.chars) / longest.bytes);
        if (over >= 100) {
          var unit = Math.pow(10, Math.floor(Math.log10(over)) - 1);
          over = Math.ceil(over / unit) * unit;
        }
        var field = form.elements.namedItem(longest.name);
        var label = field && field.id ? document.querySelector("label[for='" + field.id + "']") : null;
        var summary = document.getElementById("too-large");
        if (!summary) {
          summary = document.createElement("div");
          summary.id = "too-large";
          summary.className = "error-summary";
          summary.setAttribute("role", "alert");
          summary.setAttribute("aria-labelledby", "too-large-title");
          summary.setAttribute("tabindex", "-1");
          var main = document.getElementById("main");
          var flash = main.querySelector(":scope > .flash");
          main.insertBefore(summary, flash ? flash.nextSibling : main.firstChild);
        }
        summary.textContent = "";
        var title = document.createElement("h2");
        title.id = "too-large-title";
        title.textContent = "Your text is too long to send";
        var what = document.createElement("p");
        what.textContent = "It is about " + over.toLocaleString("en-US") + " " + (over === 1 ? "character" : "characters") +
          " longer than the form can carry. Nothing was sent, and nothing is lost: everything you typed is still in the form.";
        summary.appendChild(title);
        summary.appendChild(what);
        if (label) {
          var list = document.createElement("ul");
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = "#" + field.id;
          link.textContent = "Shorten the longest text, “" + label.textContent.replace(/\s*\(optional\)\s*$/, "").trim() + "”, then send the form again.";
          link.addEventListener("click", function (e) {
            e.preventDefault();
            field.focus();
            field.scrollIntoView({ block: "center" });
          });
          item.appendChild(link);
          list.appendChild(item);
          summary.appendChild(list);
        }
        summary.focus();
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

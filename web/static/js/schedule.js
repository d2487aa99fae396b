// The schedule editor's enhancements: drag and drop, and changes saved without leaving the page.
// Every change posts the same form the page offers without JavaScript; the answer is the editor as
// the server now has it, swapped in place, with what happened said in a live region and focus kept
// on the thing that moved.
(function () {
  "use strict";

  function editor() { return document.getElementById("editor"); }

  function csrf() {
    var input = document.querySelector("input[name=_csrf]");
    return input ? input.value : "";
  }

  function announce(text) {
    var status = document.getElementById("editor-status");
    if (!status) { return; }
    status.textContent = "";
    // A fresh text node after a tick makes screen readers announce the same message twice in a row.
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  // send posts a change and shows the editor the server answers with.
  function send(action, data, focusID) {
    var ed = editor();
    if (ed) { ed.setAttribute("aria-busy", "true"); }
    return fetch(action, { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) {
        // A move to another day answers with that day's editor: the address follows, so a reload or
        // the back button shows what is on screen.
        if (res.redirected && res.url) { window.history.replaceState(null, "", res.url); }
        return res.text().then(function (html) { return { ok: res.ok, html: html }; });
      })
      .then(function (r) {
        var doc = new DOMParser().parseFromString(r.html, "text/html");
        var fresh = doc.getElementById("editor");
        var old = editor();
        if (!fresh || !old) {
          announce("The change could not be saved. Reload the page and try again.");
          if (old) { old.removeAttribute("aria-busy"); }
          return;
        }
        old.replaceWith(document.importNode(fresh, true));
        document.querySelectorAll("main > .flash, main > .error-summary").forEach(function (el) { el.remove(); });
        var summary = doc.querySelector(".error-summary");
        var flash = doc.querySelector(".flash");
        var main = document.getElementById("main");
        if (summary) {
          var s = document.importNode(summary, true);
          main.insertBefore(s, main.firstChild);
          announce(summary.textContent.replace(/\s+/g, " ").trim());
          s.focus();
          return;
        }
        if (flash) { announce(flash.textContent.trim()); }
        var target = focusID && document.getElementById(focusID);
        if (target) {
          target.focus();
          target.scrollIntoView({ block: "nearest" });
        }
      })
      .catch(function () {
        var ed2 = editor();
        if (ed2) { ed2.removeAttribute("aria-busy"); }
        announce("The change could not be sent. Check your connection and try again.");
      });
  }

  // The page's own forms: saved in place, focus kept on what changed.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.closest || !form.closest("#editor") || form.method.toLowerCase() !== "post") { return; }
    ev.preventDefault();
    var data = new FormData(form);
    var pid = data.get("proposal_id");
    var focusID = "";
    var action = form.getAttribute("action");
    if (/\/unplace$/.test(action)) {
      focusID = "unplaced-" + pid;
    } else if (pid) {
      focusID = "item-" + pid;
    } else {
      var m = action.match(/\/sessions\/(\d+)\/move$/);
      if (m) { focusID = "session-" + m[1]; }
    }
    send(action, data, focusID);
  });

  // Drag and drop: a session onto a cell of the grid moves it there; a proposal onto a session places
  // it in that session; a placed proposal onto the unplaced list takes it out of its session.
  var dragged = null;

  document.addEventListener("dragstart", function (ev) {
    var el = ev.target.closest && ev.target.closest("[draggable=true]");
    if (!el || !el.closest("#editor")) { return; }
    if (el.hasAttribute("data-proposal")) {
      dragged = { kind: "proposal", id: el.getAttribute("data-proposal"), from: el.getAttribute("data-from") || "" };
    } else if (el.hasAttribute("data-session")) {
      dragged = { kind: "session", id: el.getAttribute("data-session"), version: el.getAttribute("data-version") };
    } else {
      return;
    }
    ev.stopPropagation();
    el.classList.add("dragging");
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", dragged.kind + ":" + dragged.id);
  });

  document.addEventListener("dragend", function (ev) {
    if (ev.target.classList) { ev.target.classList.remove("dragging"); }
    document.querySelectorAll(".drop-target").forEach(function (el) { el.classList.remove("drop-target"); });
    dragged = null;
  });

  function dropZone(target) {
    if (!dragged || !target.closest) { return null; }
    if (dragged.kind === "session") { return target.closest("td[data-drop-room]"); }
    var slot = target.closest(".slot");
    if (slot) { return slot; }
    if (dragged.from) { return target.closest("[data-drop-unplace]"); }
    return null;
  }

  // Some browsers take a drop only where dragenter was cancelled as well as dragover.
  document.addEventListener("dragenter", function (ev) {
    if (dropZone(ev.target)) { ev.preventDefault(); }
  });

  document.addEventListener("dragover", function (ev) {
    var zone = dropZone(ev.target);
    if (!zone) { return; }
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    document.querySelectorAll(".drop-target").forEach(function (el) { if (el !== zone) { el.classList.remove("drop-target"); } });
    zone.classList.add("drop-target");
  });

  document.addEventListener("drop", function (ev) {
    var zone = dropZone(ev.target);
    if (!zone) { return; }
    ev.preventDefault();
    zone.classList.remove("drop-target");
    var ed = editor();
    var data = new FormData();
    data.append("_csrf", csrf());
    data.append("day", ed.getAttribute("data-day"));
    var d = dragged;
    dragged = null;
    if (d.kind === "session") {
      data.append("version", d.version);
      data.append("start", zone.getAttribute("data-drop-start"));
      data.append("room_id", zone.getAttribute("data-drop-room"));
      send(ed.getAttribute("data-move") + d.id + "/move", data, "session-" + d.id);
    } else if (zone.classList.contains("slot")) {
      data.append("session_id", zone.getAttribute("data-session"));
      data.append("proposal_id", d.id);
      send(ed.getAttribute("data-place"), data, "item-" + d.id);
    } else {
      data.append("session_id", d.from);
      data.append("proposal_id", d.id);
      send(ed.getAttribute("data-unplace"), data, "unplaced-" + d.id);
    }
  });
})();

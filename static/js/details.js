/* Small behaviours that keep the pages honest; no inline scripts (Content-Security-Policy).
   - A spaced export: the home's button waits, and its notice counts down to the next one.
   - A search: as the member types, the search box and the first results come into view. */
(function () {
  "use strict";

  // As the server says it (exports/spacing.py): "45 seconds", "a minute", "2 hours".
  function durationText(seconds) {
    seconds = Math.max(1, Math.ceil(seconds));
    var units = [["hour", 3600, "an hour"], ["minute", 60, "a minute"]];
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][1]) {
        var count = Math.ceil(seconds / units[i][1]);
        return count === 1 ? units[i][2] : count + " " + units[i][0] + "s";
      }
    }
    return seconds === 1 ? "1 second" : seconds + " seconds";
  }

  function countDown() {
    var button = document.querySelector("button[data-wait-seconds]");
    var shown = document.querySelector("[data-countdown]");
    if (!button) return;
    var until = Date.now() + Number(button.dataset.waitSeconds) * 1000;
    button.disabled = true;
    function tick() {
      var left = (until - Date.now()) / 1000;
      if (left <= 0) {
        button.disabled = false;
        button.removeAttribute("data-wait-seconds");
        var notice = shown && shown.closest("p");
        if (notice) {
          notice.textContent = "You can start your next export now.";
          notice.setAttribute("role", "status");
          notice.classList.add("next-export-ready");
        }
        return;
      }
      if (shown) shown.textContent = durationText(left);
      window.setTimeout(tick, Math.min(1000, left * 1000));
    }
    tick();
  }

  // Bring the search box to the top of the window once results arrive for what was typed,
  // so the first results sit right under it instead of below the fold.
  function searchInView() {
    document.body.addEventListener("htmx:afterSettle", function () {
      var input = document.getElementById("contact-search");
      var contacts = document.getElementById("contacts");
      // Only while the member is typing: paging and sorting keep their own place.
      if (!input || !contacts || document.activeElement !== input) return;
      var form = input.closest("form");
      var firstResults = contacts.getBoundingClientRect().top + 160;
      if (form.getBoundingClientRect().top < 0 || firstResults > window.innerHeight) {
        form.scrollIntoView({ block: "start" });
      }
    });
  }

  function start() {
    countDown();
    searchInView();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

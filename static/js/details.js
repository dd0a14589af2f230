/* Small behaviours that keep the pages honest; no inline scripts (Content-Security-Policy).
   - A spaced export: the home's button waits, and its notice counts down to the next one.
   - A search: as the member types, the search box and the first results come into view. */
(function () {
  "use strict";

  // The words come from the page (data-countdown-words, in the member's language): for each
  // unit, the text at one number of each plural category, "{count}" standing for the number.
  function durationText(seconds, words, language) {
    seconds = Math.max(1, Math.ceil(seconds));
    var units = [["hour", 3600], ["minute", 60]];
    var unit = "second", count = seconds;
    for (var i = 0; i < units.length; i++) {
      if (seconds >= units[i][1]) {
        unit = units[i][0];
        count = Math.ceil(seconds / units[i][1]);
        break;
      }
    }
    var forms = words[unit];
    var rules = new Intl.PluralRules(language || undefined);
    var category = rules.select(count);
    var text = forms["100"];
    for (var sample in forms) {
      if (rules.select(Number(sample)) === category) { text = forms[sample]; break; }
    }
    return text.replace("{count}", new Intl.NumberFormat(language || undefined).format(count));
  }

  function countDown() {
    var button = document.querySelector("button[data-wait-seconds]");
    var shown = document.querySelector("[data-countdown]");
    if (!button) return;
    var notice = shown && shown.closest("p");
    var words = notice && notice.dataset.countdownWords ? JSON.parse(notice.dataset.countdownWords) : null;
    var language = document.documentElement.lang;
    var until = Date.now() + Number(button.dataset.waitSeconds) * 1000;
    button.disabled = true;
    function tick() {
      var left = (until - Date.now()) / 1000;
      if (left <= 0) {
        button.disabled = false;
        button.removeAttribute("data-wait-seconds");
        if (notice && notice.dataset.countdownReady) {
          notice.textContent = notice.dataset.countdownReady;
          notice.setAttribute("role", "status");
          notice.classList.add("next-export-ready");
        }
        return;
      }
      if (shown && words) shown.textContent = durationText(left, words, language);
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

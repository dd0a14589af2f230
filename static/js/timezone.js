/* The member's time zone, from the browser, into the `tz` cookie: the server shows times in it
   from the next page on (until then in UTC, named so). The server checks the name against the
   IANA zones it knows, so a wrong cookie only means UTC. No inline script (CSP). */
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  // IANA names are ASCII letters, digits, "/", "_", "+", "-": nothing a cookie must escape,
  // and "/" is written as it is, which is what the server compares.
  if (!zone || !/^[A-Za-z0-9\/_+\-]{1,64}$/.test(zone)) return;
  var current = document.cookie.match(/(?:^|;\s*)tz=([^;]*)/);
  if (current && current[1] === zone) return;
  document.cookie = "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax";
})();

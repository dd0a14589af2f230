/* The language switcher submits itself as soon as a language is picked; without JavaScript its
   button does the same. No inline script (Content-Security-Policy). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("[data-language-switcher] select")) return;
    select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit();
  });
})();

/* The privacy center's only script: progressive enhancement, every page works without it.
   - an error summary takes the focus, so a screen reader hears it and Tab goes to the field;
   - the cookie settings button opens the banner (/consent/banner.js) when it is loaded. */
(function () {
  'use strict';
  var problem = document.getElementById('problem');
  if (problem) { problem.focus(); }
  var opener = document.getElementById('open-cookie-settings');
  if (opener) {
    opener.hidden = false;
    opener.addEventListener('click', function () {
      if (window.YaksokConsent) { window.YaksokConsent.open(); }
    });
  }
}());

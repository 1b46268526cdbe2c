/* The privacy center's only script: progressive enhancement, every page works without it.
   - an error summary takes the focus, so a screen reader hears it and Tab goes to the field;
   - the cookie settings button opens the banner (/consent/banner.js) when it is loaded;
   - an emailed link's token leaves the address bar (the page posts it from its form). */
(function () {
  'use strict';
  if (window.history && window.history.replaceState && /[?&]token=/.test(window.location.search)) {
    var kept = window.location.search.replace(/^\?/, '').split('&').filter(function (p) {
      return p.indexOf('token=') !== 0;
    }).join('&');
    window.history.replaceState(null, '', window.location.pathname + (kept ? '?' + kept : ''));
  }
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

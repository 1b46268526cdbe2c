/* The demo's "analytics": runs only after the visitor accepts the performance category in
   yaksok's cookie banner (the page marks this script type="text/plain" with
   data-yaksok-category="performance"). It sends nothing anywhere; it sets one first-party
   cookie, which the banner deletes if the category is withdrawn (data-yaksok-cookies). */
(function () {
  'use strict';
  var secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = 'yaksok_demo_analytics=1; Path=/; Max-Age=86400; SameSite=Lax' + secure;
  document.documentElement.setAttribute('data-demo-analytics', 'on');
})();

/*! yaksok cookie banner. No dependencies; it talks only to the server it was loaded from.
 * <script src="/consent/banner.js" data-lang="ko"></script>
 * Gated scripts: <script type="text/plain" data-yaksok-category="performance">...</script>
 * Reopen link:   <a href="#" data-yaksok-reopen>...</a>      See docs/cookies.md. */
(function () {
  'use strict';
  var me = document.currentScript;
  if (!me || window.YaksokConsent) return;

  var BASE = me.src.replace(/\/consent\/banner\.js([?#].*)?$/, '');
  var NONCE = me.nonce || me.getAttribute('nonce') || '';
  // data-css="page": the page's own stylesheet styles the banner (a CSP without a nonce).
  var PAGE_CSS = me.getAttribute('data-css') === 'page';
  var DEVICE = 'yaksok_device';
  var DAYS = 180;
  var ID = 'yaksok-consent';
  var wanted = me.getAttribute('data-lang') || navigator.language || 'ko';
  var LANG = /^ko\b/i.test(wanted) ? 'ko' : 'en';
  var T = {
    ko: {
      title: '쿠키 설정',
      intro: '서비스 제공에 반드시 필요한 쿠키는 항상 사용하며, 그 밖의 쿠키는 이용자가 허용한 경우에만 사용합니다. 선택은 언제든지 바꿀 수 있습니다.',
      refuse_note: '쿠키를 거부하시면 일부 서비스 이용에 어려움이 있을 수 있습니다.',
      gpc: '브라우저가 보낸 글로벌 개인정보 보호 제어(GPC) 신호를 존중하여, 반드시 필요한 쿠키를 제외한 모든 쿠키를 꺼 두었습니다. 원하시면 직접 켤 수 있습니다.',
      policy: '개인정보처리방침',
      accept: '모두 허용',
      choose: '직접 선택',
      refuse: '모두 거부',
      save: '선택 저장',
      close: '닫기',
      legend: '쿠키 종류별 선택',
      always: '항상 사용',
      error: '선택을 저장하지 못했습니다. 다시 시도해 주세요.'
    },
    en: {
      title: 'Cookie settings',
      intro: 'We always use the cookies the service strictly needs. Other cookies are used only if you allow them. You can change your choice at any time.',
      refuse_note: 'If you refuse cookies, some features may be harder to use.',
      gpc: 'Your browser sent a Global Privacy Control (GPC) signal. We honour it: every cookie except the strictly necessary ones is off. You can still turn them on yourself.',
      policy: 'Privacy policy',
      accept: 'Accept all',
      choose: 'Choose',
      refuse: 'Refuse all',
      save: 'Save my choices',
      close: 'Close',
      legend: 'Choose by category',
      always: 'Always on',
      error: 'Your choice could not be saved. Please try again.'
    }
  }[LANG];
  var CSS = '#yaksok-consent{position:fixed;left:1rem;right:1rem;bottom:1rem;z-index:2147483000;max-width:40rem;margin:0 auto;max-height:calc(100vh - 2rem);overflow:auto;box-sizing:border-box;padding:1.25rem;background:#fff;color:#1a1a1a;border:1px solid #555;border-radius:.5rem;box-shadow:0 .25rem 1.5rem rgba(0,0,0,.3);font:15px/1.55 system-ui,-apple-system,"Apple SD Gothic Neo","Noto Sans KR","Malgun Gothic",sans-serif;word-break:keep-all}' +
    '#yaksok-consent h2{margin:0 0 .5rem;font-size:1.15rem}#yaksok-consent p{margin:0 0 .6rem}' +
    '#yaksok-consent a{color:#0b57d0}#yaksok-consent .yk-gpc{padding:.5rem .75rem;background:#eef6ee;border-left:4px solid #2e7d32}' +
    '#yaksok-consent .yk-err{color:#b00020;font-weight:600}#yaksok-consent fieldset{border:1px solid #ccc;border-radius:.35rem;margin:0 0 .75rem;padding:.5rem .75rem}' +
    '#yaksok-consent legend{font-weight:600;padding:0 .25rem}#yaksok-consent label{display:block;margin:.35rem 0;cursor:pointer}' +
    '#yaksok-consent label span{display:block;margin-left:1.6rem;color:#444;font-size:.9em}#yaksok-consent input{width:1.05rem;height:1.05rem;margin:0 .5rem 0 0;vertical-align:-.15rem}' +
    '#yaksok-consent .yk-act{display:flex;flex-wrap:wrap;gap:.5rem}#yaksok-consent button{flex:1 1 8rem;min-height:2.75rem;padding:.5rem 1rem;font:inherit;font-weight:600;border-radius:.35rem;border:2px solid #1a1a1a;background:#1a1a1a;color:#fff;cursor:pointer}' +
    '#yaksok-consent button.yk-2{background:#fff;color:#1a1a1a}#yaksok-consent button:focus-visible,#yaksok-consent a:focus-visible,#yaksok-consent input:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}';

  var config = null, current = null, decided = false, gpc = false, auth = null;
  var active = {}, opener = null;

  function cookieId() {
    var m = document.cookie.match(/(?:^|;\s*)yaksok_device=([A-Za-z0-9_-]{16,64})/);
    return m && m[1];
  }
  function newId() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
  }
  var device = cookieId() || newId();
  function keepId() { // strictly necessary: it only remembers this choice
    document.cookie = DEVICE + '=' + device + ';path=/;max-age=' + DAYS * 86400 + ';samesite=lax' +
      (location.protocol === 'https:' ? ';secure' : '');
  }

  function api(path, body) {
    var init = {credentials: 'same-origin', headers: {Accept: 'application/json'}};
    if (body) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      if (auth) init.headers.Authorization = 'Bearer ' + auth;
      init.body = JSON.stringify(body);
    }
    return fetch(BASE + path, init).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status + ' from ' + BASE + path.split('?')[0]);
      return r.json();
    });
  }
  // Say why in the console: a failure is otherwise silent (nothing gated runs, by design).
  function warn(e) {
    if (!window.console) return;
    var cross = new URL(BASE + '/', location.href).origin !== location.origin;
    console.error('yaksok cookie banner: ' + (e && e.message || e) + '. ' + (cross
      ? 'This page (' + location.origin + ') calls yaksok at ' + BASE + ', another origin: the browser blocks the answers unless yaksok lists this origin in YAKSOK_CORS_ORIGINS. Set it, or serve yaksok under this origin through a reverse proxy (docs/cookies.md).'
      : 'yaksok at ' + BASE + ' could not be reached or refused the call.') +
      ' Until then no gated script runs.');
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== null) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }

  // Run the placeholders of every accepted category, once each, in document order.
  function activate() {
    var list = document.querySelectorAll('script[type="text/plain"][data-yaksok-category]');
    for (var i = 0; i < list.length; i++) {
      var old = list[i], cat = old.getAttribute('data-yaksok-category');
      if (!current || current[cat] !== true || old.hasAttribute('data-yaksok-done')) continue;
      var s = document.createElement('script');
      for (var j = 0; j < old.attributes.length; j++) {
        var a = old.attributes[j];
        if (a.name !== 'type' && a.name.indexOf('data-yaksok-') !== 0) s.setAttribute(a.name, a.value);
      }
      if (old.getAttribute('data-yaksok-type')) s.type = old.getAttribute('data-yaksok-type');
      if (old.nonce) s.nonce = old.nonce;
      if (!old.src) s.textContent = old.textContent;
      old.setAttribute('data-yaksok-done', '');
      old.parentNode.insertBefore(s, old.nextSibling);
      active[cat] = true;
    }
  }

  // Cookies the page declared for a category (data-yaksok-cookies="a b") are deleted with it.
  function forget(cat) {
    var list = document.querySelectorAll('[data-yaksok-category="' + cat + '"][data-yaksok-cookies]');
    for (var i = 0; i < list.length; i++) {
      list[i].getAttribute('data-yaksok-cookies').split(/[\s,]+/).forEach(function (n) {
        if (n) document.cookie = n + '=;path=/;max-age=0';
      });
    }
  }

  function announce() {
    var detail = {choices: copy(current), decided: decided, gpc: gpc};
    document.dispatchEvent(new CustomEvent('yaksok:consent', {detail: detail}));
  }
  function copy(o) { return JSON.parse(JSON.stringify(o || {})); }

  function close() {
    var d = document.getElementById(ID);
    if (d) d.parentNode.removeChild(d);
    document.removeEventListener('keydown', onKey);
    if (opener && opener.focus) opener.focus();
    opener = null;
  }
  function onKey(e) {
    if (e.key === 'Escape' && decided) close();
  }

  function show(openPanel) {
    var old = document.getElementById(ID);
    if (old) old.parentNode.removeChild(old);
    if (!PAGE_CSS && !document.getElementById(ID + '-css')) {
      document.head.appendChild(el('style', {id: ID + '-css', nonce: NONCE || null}, CSS));
    }
    var d = el('div', {id: ID, role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': ID + '-title',
      'aria-describedby': ID + '-desc', lang: LANG, tabindex: '-1'});
    var intro = el('p', {id: ID + '-desc'}, T.intro + ' ' + T.refuse_note + ' ');
    add(intro, el('a', {href: BASE + '/policy?lang=' + LANG}, T.policy));
    add(d, el('h2', {id: ID + '-title'}, T.title), intro,
      gpc ? el('p', {'class': 'yk-gpc', id: ID + '-gpc', role: 'note'}, T.gpc) : null);

    var panel = el('fieldset', {id: ID + '-panel'});
    if (!openPanel) panel.hidden = true;
    add(panel, el('legend', {}, T.legend));
    config.categories.forEach(function (c) {
      var label = el('label', {});
      var box = el('input', {type: 'checkbox', name: c.key, 'data-yaksok-choice': c.key,
        'aria-describedby': ID + '-d-' + c.key});
      box.checked = !c.needs_consent || (current ? current[c.key] === true : false);
      if (!c.needs_consent) box.disabled = true;
      add(label, box, document.createTextNode(c.label[LANG] + (c.needs_consent ? '' : ' (' + T.always + ')')),
        el('span', {id: ID + '-d-' + c.key}, c.description[LANG]));
      add(panel, label);
    });
    var save = el('button', {type: 'button', 'data-yaksok-action': 'save'}, T.save);
    add(panel, add(el('div', {'class': 'yk-act'}), save));
    add(d, panel, el('p', {'class': 'yk-err', role: 'alert', id: ID + '-err'}));

    var acts = el('div', {'class': 'yk-act'});
    var choose = el('button', {type: 'button', 'class': 'yk-2', 'data-yaksok-action': 'choose',
      'aria-expanded': String(!!openPanel), 'aria-controls': ID + '-panel'}, T.choose);
    add(acts, el('button', {type: 'button', 'data-yaksok-action': 'accept'}, T.accept), choose,
      el('button', {type: 'button', 'data-yaksok-action': 'refuse'}, T.refuse),
      decided ? el('button', {type: 'button', 'class': 'yk-2', 'data-yaksok-action': 'close'}, T.close) : null);
    add(d, acts);

    d.addEventListener('click', function (e) {
      var act = e.target && e.target.getAttribute && e.target.getAttribute('data-yaksok-action');
      if (!act) return;
      if (act === 'choose') {
        panel.hidden = !panel.hidden;
        choose.setAttribute('aria-expanded', String(!panel.hidden));
        if (!panel.hidden) panel.querySelector('input:not([disabled])') && panel.querySelector('input:not([disabled])').focus();
      } else if (act === 'close') {
        close();
      } else {
        decide(act, d);
      }
    });
    document.addEventListener('keydown', onKey);
    document.body.appendChild(d);
    d.focus();
  }

  function decide(act, d) {
    var choices = {};
    config.categories.forEach(function (c) {
      var box = d.querySelector('input[data-yaksok-choice="' + c.key + '"]');
      choices[c.key] = !c.needs_consent || act === 'accept' || (act === 'save' && box.checked);
    });
    store(choices).catch(function (e) {
      warn(e);
      var err = document.getElementById(ID + '-err');
      if (err) err.textContent = T.error;
    });
  }

  function store(choices) {
    keepId();
    return api('/consent/choice', {device_id: device, choices: choices, gpc: gpc, lang: LANG}).then(function (rec) {
      var before = current || {};
      current = rec.choices;
      decided = true;
      var withdrawn = Object.keys(active).filter(function (k) { return before[k] && !current[k]; });
      withdrawn.forEach(forget);
      close();
      announce();
      // A script that already ran cannot be stopped: reload so it is gone from the page.
      if (withdrawn.length) location.reload();
      else activate();
    });
  }

  function start() {
    gpc = navigator.globalPrivacyControl === true;
    Promise.all([api('/consent/config'),
      api('/consent/choice?device_id=' + encodeURIComponent(device) + (gpc ? '&gpc=true' : ''))])
      .then(function (r) {
        config = r[0];
        gpc = gpc || config.gpc === true;
        current = r[1].choices;
        decided = r[1].decided === true;
        if (decided) activate();
        announce();
        if (!decided) show(false);
      })
      .catch(warn); // fail closed: nothing runs
  }

  document.addEventListener('click', function (e) {
    var t = e.target && e.target.closest && e.target.closest('[data-yaksok-reopen]');
    if (!t || !config) return;
    e.preventDefault();
    opener = t;
    show(true);
  });

  window.YaksokConsent = {
    open: function () { if (config) show(true); },
    choices: function () { return copy(current); },
    decided: function () { return decided; },
    // After a member logs in: link this device's current choice to the member.
    link: function (token) {
      auth = token || null;
      return decided && auth ? store(copy(current)) : Promise.resolve();
    },
    rescan: function () { activate(); }
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

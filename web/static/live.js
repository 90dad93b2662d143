// SPDX-License-Identifier: MIT
// Live updates for the web workspace (docs/WEB.md "Live updates"). The pages work without
// it: it counts down to each deadline, refreshes the inbox's list when the inbox changes
// (server-sent events from /begivenheder), and, once the advisor has allowed it with the
// button, shows a browser notification for a new akut or haster request. A notification
// carries the urgency and a link only.
'use strict';
(function () {
  function two(n) { return (n < 10 ? '0' : '') + n; }

  // "om 2 t 05 min", "om 3 dage", "overskredet med 12 min".
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), d = Math.floor(s / 86400);
    var h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d >= 2) return d + ' dage';
    if (d === 1) return '1 dag ' + h + ' t';
    if (h > 0) return h + ' t ' + two(m) + ' min';
    return m + ' min ' + two(s % 60) + ' s';
  }

  function countdown() {
    var now = Date.now();
    document.querySelectorAll('td[data-frist]').forEach(function (td) {
      var due = Number(td.getAttribute('data-frist'));
      if (!due) return;
      var el = td.querySelector('.nedtaelling');
      if (!el) {
        el = document.createElement('span');
        el.className = 'nedtaelling';
        td.appendChild(document.createTextNode(' '));
        td.appendChild(el);
      }
      var left = due - now;
      el.textContent = left > 0 ? '(om ' + span(left) + ')' : '(overskredet med ' + span(left) + ')';
      if (left <= 0) td.classList.add('overskredet');
    });
  }

  // The inbox's list, fetched anew as the server renders it (same filters).
  var refreshing = false;
  function refresh() {
    if (location.pathname !== '/' || refreshing) return;
    refreshing = true;
    fetch(location.href, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (!r.ok || new URL(r.url).pathname !== '/') throw new Error('not the inbox');
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.querySelector('table.indbakke'), old = document.querySelector('table.indbakke');
        if (fresh && old) {
          old.replaceWith(document.importNode(fresh, true));
          countdown();
        }
      })
      .catch(function () {})
      .then(function () { refreshing = false; });
  }

  function notify(data, status) {
    var urg = data && data.urgency, href = data && data.href;
    if ((urg !== 'akut' && urg !== 'haster') || !/^\/sag\/[0-9a-f]{32}$/.test(href || '')) return;
    var title = urg === 'akut' ? 'Ny AKUT henvendelse' : 'Ny henvendelse, der haster';
    status.textContent = title + '.';
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    var n = new Notification(title, { tag: href, requireInteraction: urg === 'akut' });
    n.onclick = function () { window.focus(); location.href = href; };
  }

  function notificationButton(box) {
    if (!('Notification' in window) || Notification.permission !== 'default') return;
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = 'Vis skrivebordsbeskeder om akutte og hastende henvendelser';
    b.addEventListener('click', function () {
      Notification.requestPermission().then(function () { b.remove(); });
    });
    box.appendChild(b);
  }

  document.addEventListener('DOMContentLoaded', function () {
    countdown();
    window.setInterval(countdown, 1000);
    var box = document.querySelector('[data-begivenheder]');
    if (!box || !('EventSource' in window)) return;
    var status = document.createElement('span');
    status.setAttribute('role', 'status');
    box.appendChild(status);
    notificationButton(box);
    box.hidden = false;
    var es = new EventSource(box.getAttribute('data-begivenheder'));
    es.addEventListener('indbakke', refresh);
    es.addEventListener('ny', function (e) {
      var data = null;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      notify(data, status);
      refresh();
    });
  });
})();

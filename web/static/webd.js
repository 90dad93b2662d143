// SPDX-License-Identifier: MIT
// The web workspace's only script. The pages work without it; it adds small comforts.
'use strict';
document.addEventListener('DOMContentLoaded', function () {
  // Ask before a thread is closed or taken over (both are audited and hard to undo).
  document.querySelectorAll('form.handling').forEach(function (f) {
    var a = f.getAttribute('action') || '';
    if (/\/(close|takeover)$/.test(a)) {
      f.addEventListener('submit', function (e) {
        if (!window.confirm('Er du sikker?')) e.preventDefault();
      });
    }
  });
});

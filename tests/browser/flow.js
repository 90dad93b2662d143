// SPDX-License-Identifier: MIT
// The advisors' workspace in a real headless Chromium, driven by puppeteer-core.
//
// Started by tests/web/browser_test.c, which runs the whole stack (relay, inbox daemon,
// rejsepost-webd, the municipalities' library) and checks afterwards what the
// municipalities received. This script is the person at the browser: first login with
// the one-time password and enrolment, login with password and TOTP, the akut request
// first, claim, download an attachment, reply with a file and its kind, close with an
// outcome; then the same claim-reply-close flow once more with the keyboard alone.
// axe-core (WCAG 2.1 AA tags) runs on every page visited; every page is photographed.
//
// TOTP codes come from the driver (liboath): this script writes "TOTP <secret> <step>"
// on stdout and reads the six digits from stdin. Everything else comes in the
// environment (see `need` below). Exit status 0 only if every check passed.
'use strict';

const fs = require('fs');
const path = require('path');
const readline = require('readline');
const puppeteer = require('puppeteer-core');

function need(name) {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`environment: ${name} is not set`);
  return v;
}

const base = need('RP_WEB_BASE');
// Where webd shows a thread (RP_IBX_CASE_PATH in inbox/ibx_caps.h), from the driver.
const casePath = need('RP_WEB_CASE_PATH');
const user = need('RP_WEB_USER');
const oneTime = need('RP_WEB_ONETIME');
const newPw = need('RP_WEB_NEWPW');
const out = need('RP_BROWSER_OUT');
const profile = need('RP_BROWSER_PROFILE');
const upload = need('RP_BROWSER_UPLOAD');
const expected = fs.readFileSync(need('RP_BROWSER_EXPECT'));
const akutThread = need('RP_THREAD_AKUT');
const kbdThread = need('RP_THREAD_KBD');
const meetThread = need('RP_THREAD_MEET');
const recalledThread = need('RP_THREAD_RECALLED');
const consentThread = need('RP_THREAD_CONSENT');
const chromium = process.env.RP_CHROMIUM || '/usr/bin/chromium';
const downloads = path.join(out, 'downloads');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const violations = [];
const cspErrors = [];
const focusFaults = new Set();
let shot = 0;

// ---- the driver's TOTP codes ----
const lines = readline.createInterface({input: process.stdin});
const pending = [];
lines.on('line', (l) => {
  const p = pending.shift();
  if (p) p(l.trim());
});
// One line to the driver, its answer back: "TOTP <secret> <step>" (the code), "REGISTER"
// (an east municipality answers the announcement; "0" when listed), "AKUT" (a new akut
// request arrives; "<thread> <municipality code>").
function ask(line) {
  return new Promise((resolve) => {
    pending.push(resolve);
    process.stdout.write(`${line}\n`);
  });
}
function totp(secret, step) {
  return ask(`TOTP ${secret} ${step}`);
}

function log(msg) {
  process.stderr.write(`browser: ${msg}\n`);
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  log(`ok: ${what}`);
}

// ---- axe and screenshots ----
async function audit(page, name) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, {
      runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
    }));
  // What is photographed shows no folder of this machine (the upload's, the output's).
  const seen = await page.evaluate(() => document.body.innerText +
      Array.from(document.querySelectorAll('input')).map((i) => i.value).join(' '));
  for (const dir of [path.dirname(upload), out, profile]) {
    check(!seen.includes(dir), `${name}: no machine path on the page`);
  }
  shot += 1;
  const file = `${String(shot).padStart(2, '0')}-${name}`;
  await page.screenshot({path: path.join(out, `${file}.png`), fullPage: true});
  fs.writeFileSync(path.join(out, `${file}.axe.json`),
      JSON.stringify({violations: res.violations, incomplete: res.incomplete}, null, 2));
  for (const v of res.violations) {
    const where = v.nodes.map((n) => n.target.join(' ')).join(' | ');
    violations.push(`${name}: ${v.id} (${v.impact}): ${v.help} at ${where}`);
  }
  // "incomplete": what axe could not decide alone (kept in the .axe.json for a person).
  const unsure = res.incomplete.map((v) => v.id).join(', ') || 'none';
  log(`axe ${name}: ${res.violations.length} violation(s), undecided: ${unsure}; ` +
      `screenshot ${file}.png`);
}

// axe itself must see a fault where there is one, or its zero means nothing.
async function axeSelfCheck(page) {
  await page.setContent('<!DOCTYPE html><html><body><img src="x.png"></body></html>');
  await page.evaluate(axeSource);
  const res = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}}));
  const ids = res.violations.map((v) => v.id);
  check(ids.includes('image-alt') && ids.includes('html-has-lang'),
      `axe finds the faults of a faulty page (${ids.join(', ')})`);
}

async function text(page, sel) {
  return page.$eval(sel, (e) => e.textContent);
}

// Clicks and waits for the page that the click loads.
async function clickLoad(page, sel) {
  await Promise.all([page.waitForNavigation({waitUntil: 'load'}), page.click(sel)]);
}

// ---- keyboard only ----
// The focused element's focus indicator: drawn at all, and (WCAG 2.1, 1.4.11) with a
// contrast of at least 3:1 against the background it is drawn on (the outline lies
// outside the element, so that is the nearest ancestor's opaque background).
async function focusIndicator(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    if (a === null || a === document.body) return {what: 'body', ok: false, ratio: 0};
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const st = getComputedStyle(a);
    let bg = [255, 255, 255];
    for (let e = a.parentElement; e !== null; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) { bg = c.slice(0, 3); break; }
    }
    const l1 = lum(rgb(st.outlineColor).slice(0, 3)), l2 = lum(bg);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const drawn = st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2;
    const what = a.tagName.toLowerCase() + (a.id ? '#' + a.id : '') +
        (a.className ? '.' + a.className : '') + ' "' +
        (a.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 20) + '"';
    return {what, ok: drawn && ratio >= 3, ratio: Math.round(ratio * 100) / 100};
  });
}

// Presses Tab until the focused element matches sel (at most max presses). Every stop
// on the way must show its focus.
async function tabTo(page, sel, max = 120) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focusIndicator(page);
    if (!f.ok) {
      focusFaults.add(`${page.url().replace(base, '')}: ${f.what} (contrast ${f.ratio}:1)`);
    }
    const hit = await page.evaluate((s) => {
      const a = document.activeElement;
      return a !== null && a.matches(s);
    }, sel);
    if (hit) {
      log(`keyboard: focus on ${sel} (indicator contrast ${f.ratio}:1)`);
      return;
    }
  }
  throw new Error(`Tab never reached ${sel}`);
}

// Types a date (YYYY-MM-DD) into the focused date field as a person would, in the
// order of Debian's Chromium (its only locale is en-US: month, day, year).
async function typeDate(page, sel, iso) {
  const [y, m, d] = iso.split('-');
  await page.keyboard.type(`${m}${d}${y}`);
  const v = await page.$eval(sel, (e) => e.value);
  check(v === iso, `the date field holds ${iso} (got "${v}")`);
}

async function keyLoad(page, key) {
  await Promise.all([page.waitForNavigation({waitUntil: 'load'}), page.keyboard.press(key)]);
}

async function waitDownload(name, ms) {
  const file = path.join(downloads, name);
  for (let t = 0; t < ms; t += 100) {
    if (fs.existsSync(file)) return fs.readFileSync(file);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no download ${name} in ${ms} ms`);
}

async function mouseFlow(page) {
  // First login: the one-time password, no code.
  await page.goto(`${base}/login`, {waitUntil: 'load'});
  await audit(page, 'login');
  check((await page.$eval('html', (e) => e.lang)) === 'da', 'the page is in Danish');
  await page.type('#navn', user);
  await page.type('#adgangskode', oneTime);
  await clickLoad(page, 'form.login button[type=submit]');
  check(page.url() === `${base}/enrol`, 'the one-time password leads to enrolment');
  await audit(page, 'enrol');
  check(await page.$eval('img.qr', (i) => i.complete && i.naturalWidth > 0),
      'the QR code is drawn (an image from webd itself, under its CSP)');
  const secret = (await text(page, '#noegle')).trim();
  // A wrong code first: the enrolment page with its error.
  await page.type('#ny1', newPw);
  await page.type('#ny2', newPw);
  await page.type('#kode', '000000');
  await clickLoad(page, 'form[action="/enrol"] button[type=submit]');
  check((await page.$('.fejl')) !== null, 'a wrong code is refused at enrolment');
  await audit(page, 'enrol-error');
  await page.type('#ny1', newPw);
  await page.type('#ny2', newPw);
  await page.type('#kode', await totp(secret, 0));
  await clickLoad(page, 'form[action="/enrol"] button[type=submit]');
  check(page.url() === `${base}/`, 'enrolled and in the inbox');
  // Log out, and in with password and the next code (the first one is spent).
  await clickLoad(page, 'form.logout button');
  check(page.url() === `${base}/login`, 'logged out');
  await page.type('#navn', user);
  await page.type('#adgangskode', 'forkert kodeord');
  await page.type('#kode', '123456');
  await clickLoad(page, 'form.login button[type=submit]');
  check((await page.$('.fejl')) !== null, 'a wrong password is refused');
  await audit(page, 'login-error');
  await page.type('#navn', user);
  await page.type('#adgangskode', newPw);
  await page.type('#kode', await totp(secret, 1));
  await clickLoad(page, 'form.login button[type=submit]');
  check(page.url() === `${base}/`, 'logged in with password and TOTP');

  // The inbox: akut first.
  await audit(page, 'inbox');
  const first = await page.$eval('table.indbakke tbody tr', (tr) => ({
    akut: tr.classList.contains('akut'),
    href: tr.querySelector('a').getAttribute('href'),
    mark: tr.textContent,
  }));
  check(first.akut && first.href === `${casePath}${akutThread}` && first.mark.includes('AKUT'),
      'the akut request is listed first');
  await page.goto(`${base}/?tilstand=new&kategori=tvangsaegteskab`, {waitUntil: 'load'});
  await audit(page, 'inbox-filtered');

  // The thread; claim it.
  await page.goto(`${base}/`, {waitUntil: 'load'});
  await clickLoad(page, 'table.indbakke tbody tr:first-child a');
  check(page.url() === `${base}${casePath}${akutThread}`, 'the akut thread opens');
  check((await page.$('section.fare')) !== null, 'the danger flags are shown');
  await audit(page, 'thread');
  await page.screenshot({path: path.join(out, 'thread-top.png')});
  await clickLoad(page, `form[action="${casePath}${akutThread}/claim"] button`);
  check((await text(page, '.ok')).includes('Du har taget tråden'), 'claimed');
  // The assignment sent to the municipality is in the timeline now: every field under a
  // Danish label, and its deadline as a time, not milliseconds.
  const body = await page.evaluate(() => document.querySelector('ol.forloeb').innerText);
  check(!body.includes('Andet felt'), 'no field without a Danish label in the timeline');
  check(!/\b1\d{12}\b/.test(body), 'no time shown as raw milliseconds in the timeline');
  await audit(page, 'thread-claimed');

  // Open (download) the municipality's attachment and check its bytes.
  const link = await page.$eval('ul.bilag a', (a) => ({href: a.getAttribute('href'),
    name: a.textContent}));
  await page.click('ul.bilag a');
  const got = await waitDownload(link.name, 20000);
  check(Buffer.compare(got, expected) === 0,
      `the downloaded attachment ${link.name} has the sent bytes (${got.length})`);

  // Reply with text, a file and its kind.
  await page.type('#tekst', 'Ring til os i dag. Inddrag ikke familien før risikovurderingen.');
  const input = await page.$('#bilag');
  await input.uploadFile(upload);
  await page.select('#bilag_art', 'handlingsplan');
  // The coded fields of the reply form.
  await page.click('#pligt_ja');
  await page.click('#anb_ikke_inddrage_familien');
  await page.click('#anb_sikkerhedsplan');
  await page.select('#henv_art1', 'krisecenter');
  await page.type('#henv_navn1', 'Dannerhuset');
  await page.type('#henv_note1', 'Ring først');
  await page.select('#risiko', 'hoej');
  await page.click('#mere_info');
  await page.click('#moede');
  await page.focus('#opfoelgning');
  await typeDate(page, '#opfoelgning', '2027-01-15');
  const form = await page.$(`form[action="${casePath}${akutThread}/reply"]`);
  await form.screenshot({path: path.join(out, 'reply-form.png')});
  await audit(page, 'reply-filled');
  await clickLoad(page, `form[action="${casePath}${akutThread}/reply"] button[type=submit]`);
  check((await text(page, '.ok')).includes('Svaret er sendt'), 'reply sent');
  await audit(page, 'thread-replied');

  // A form left empty: the server's error page.
  await clickLoad(page, `form[action="${casePath}${akutThread}/close"] button`);
  check((await text(page, 'h1')).includes('Vælg et udfald'), 'closing needs an outcome');
  await audit(page, 'error-no-outcome');
  await page.goBack({waitUntil: 'load'});

  // Close with an outcome (the page asks before closing).
  await page.goto(`${base}${casePath}${akutThread}`, {waitUntil: 'load'});
  await page.select('#udfald', 'raadgivning_givet');
  await clickLoad(page, `form[action="${casePath}${akutThread}/close"] button`);
  check((await text(page, '.ok')).includes('Tråden er lukket'), 'closed');
  await audit(page, 'thread-closed');

  // Error pages.
  await page.goto(`${base}${casePath}0123456789abcdef0123456789abcdef`, {waitUntil: 'load'});
  await audit(page, 'error-no-thread');
  await page.goto(`${base}/findes-ikke`, {waitUntil: 'load'});
  await audit(page, 'error-not-found');
  // A form whose token is not the session's: refused, and the session stays.
  await page.goto(`${base}/`, {waitUntil: 'load'});
  await page.$eval('form.logout input[name=csrf]', (i) => {
    i.value = '0'.repeat(64);
  });
  await clickLoad(page, 'form.logout button');
  check((await text(page, 'h1')) === 'Afvist', 'a form with a wrong token is refused');
  await audit(page, 'error-csrf');
  await page.goto(`${base}/`, {waitUntil: 'load'});
  check(page.url() === `${base}/`, 'still logged in after the refused form');
}

async function keyboardFlow(page) {
  await page.goto(`${base}/`, {waitUntil: 'load'});
  // The skip link comes first and leads into the content.
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.classList.contains('skip')),
      'the first Tab reaches "Gå til indhold"');
  await tabTo(page, `a[href="${casePath}${kbdThread}"]`);
  await keyLoad(page, 'Enter');
  check(page.url() === `${base}${casePath}${kbdThread}`, 'keyboard: the thread opens');
  await tabTo(page, `form[action="${casePath}${kbdThread}/claim"] button`);
  await keyLoad(page, 'Enter');
  check((await text(page, '.ok')).includes('Du har taget tråden'), 'keyboard: claimed');
  await tabTo(page, '#tekst');
  await page.keyboard.type('Svar skrevet med tastaturet alene.');
  await tabTo(page, '#bilag');
  // Space on a file input opens the file chooser; the "person" picks the file there.
  // Headless Chromium now and then drops the first key press on the input under load
  // (the ASan run on two cores): press again, as a person would, up to three times,
  // and check each time that the focus is still on the input.
  let chooser = null;
  for (let i = 0; i < 3 && chooser === null; i++) {
    check(await page.evaluate(() => document.activeElement.id === 'bilag'),
        'keyboard: the focus is on the file input');
    [chooser] = await Promise.all([
      page.waitForFileChooser({timeout: 8000}).catch(() => null),
      page.keyboard.press('Space')]);
  }
  check(chooser !== null, 'keyboard: Space opens the file chooser');
  await chooser.accept([upload]);
  await tabTo(page, '#bilag_art');
  // Typing the first letters picks an option of a closed select.
  await page.keyboard.type('Handl');
  check((await page.$eval('#bilag_art', (s) => s.value)) === 'handlingsplan',
      'keyboard: the attachment kind chosen');
  // Reporting duty: Tab into the radio group, the arrow key moves to "Nej" and picks it.
  await tabTo(page, '#pligt_ja');
  await page.keyboard.press('ArrowDown');
  check(await page.$eval('#pligt_nej', (r) => r.checked), 'keyboard: reporting duty "Nej"');
  await tabTo(page, '#anb_risikovurdering');
  await page.keyboard.press('Space');
  check(await page.$eval('#anb_risikovurdering', (c) => c.checked),
      'keyboard: a recommended action ticked');
  await tabTo(page, '#risiko');
  await page.keyboard.type('Mid');
  check((await page.$eval('#risiko', (s) => s.value)) === 'middel', 'keyboard: risk view');
  await tabTo(page, '#opfoelgning');
  await typeDate(page, '#opfoelgning', '2027-02-01');
  await tabTo(page, `form[action="${casePath}${kbdThread}/reply"] button[type=submit]`);
  await audit(page, 'keyboard-reply-filled');
  await keyLoad(page, 'Enter');
  check((await text(page, '.ok')).includes('Svaret er sendt'), 'keyboard: reply sent');
  await tabTo(page, '#udfald');
  await page.keyboard.press('ArrowDown');
  const outcome = await page.$eval('#udfald', (s) => s.value);
  check(outcome !== '', `keyboard: an outcome chosen (${outcome})`);
  fs.writeFileSync(path.join(out, 'keyboard-outcome.txt'), outcome);
  await tabTo(page, `form[action="${casePath}${kbdThread}/close"] button`);
  await keyLoad(page, 'Space');
  check((await text(page, '.ok')).includes('Tråden er lukket'), 'keyboard: closed');
  await audit(page, 'keyboard-closed');
}

// Opens every folded part (<details>) so that axe checks what is inside it too.
async function unfold(page) {
  await page.$$eval('details', (ds) => ds.forEach((d) => {
    d.open = true;
  }));
}

// Sets a field's value (dates and times: the typing of them is tried in the flows above).
async function setValue(page, sel, value) {
  await page.$eval(sel, (e, v) => {
    e.value = v;
  }, value);
}

// The pages of the workflow: networks, statistics, meetings, recalls, consent withdrawn.
async function workflowPages(page) {
  // Networks: the form with no registrations yet; an announcement; its registration.
  await page.goto(`${base}/netvaerk`, {waitUntil: 'load'});
  check((await page.content()).includes('Der er ingen tilmeldinger endnu'),
      'the network page without registrations');
  await audit(page, 'network-form');
  await page.select('#netvaerk', 'oest');
  await setValue(page, '#dato', '2027-03-10');
  await page.type('#vaert', '101');
  await page.type('#titel', 'Netværksmøde øst');
  await setValue(page, '#tilmeldingsfrist', '2027-03-01');
  await page.type('#program', 'Oplæg og sparring.');
  await clickLoad(page, 'form[action="/netvaerk"] button[type=submit]');
  check((await text(page, '.ok')).includes('Indkaldelsen er sendt'), 'announcement sent');
  check((await ask('REGISTER')) === '0', 'an east municipality registered');
  await page.goto(`${base}/netvaerk`, {waitUntil: 'load'});
  check((await text(page, 'table.tilmeldinger')).includes('Tilmeldt'),
      'the registration is listed');
  await audit(page, 'network-registrations');

  // Statistics, with data and for a period without any.
  await page.goto(`${base}/statistik`, {waitUntil: 'load'});
  check((await text(page, 'h1')) === 'Statistik', 'the statistics page');
  await audit(page, 'statistics');
  await page.goto(`${base}/statistik?fra=2020-01-01&til=2020-01-31`, {waitUntil: 'load'});
  check((await page.content()).includes('<dt>Henvendelser</dt><dd>0</dd>'),
      'the statistics of a period without requests');
  await audit(page, 'statistics-empty');

  // A meeting: requested by the municipality, times proposed, one confirmed, cancelled.
  const meet = `${base}${casePath}${meetThread}`;
  await page.goto(meet, {waitUntil: 'load'});
  check((await text(page, 'article.moede')).includes('Ønsket af kommunen'),
      'the meeting request is shown');
  await unfold(page);
  await audit(page, 'thread-meeting-request');
  await setValue(page, '#m1_fs_dato1', '2027-01-08');
  await setValue(page, '#m1_fs_start1', '10:00');
  await setValue(page, '#m1_fs_slut1', '11:00');
  await page.click('#m1_fs_form_online');
  await clickLoad(page, `form[action="${casePath}${meetThread}/meeting_propose"] button`);
  check((await text(page, 'article.moede')).includes('Tider foreslået'), 'times proposed');
  await unfold(page);
  check((await page.$('details.tilbagekald select')) !== null,
      'the recall form under the team\'s proposal');
  await audit(page, 'thread-meeting-proposed');
  await page.click('#m1_bk_tid_0');
  await page.click('#m1_bk_form_online');
  await clickLoad(page, `form[action="${casePath}${meetThread}/meeting_confirm"] button`);
  check((await text(page, 'article.moede')).includes('Bekræftet'), 'meeting confirmed');
  await audit(page, 'thread-meeting-confirmed');
  await page.select('#m1_aflys_aarsag', 'ny_tid_oenskes');
  await clickLoad(page, `form[action="${casePath}${meetThread}/meeting_cancel"] button`);
  check((await text(page, 'article.moede')).includes('Aflyst'), 'meeting cancelled');
  await audit(page, 'thread-meeting-cancelled');

  // The team recalls its confirmation through the recall form.
  await unfold(page);
  await audit(page, 'recall-form');
  await page.select('details.tilbagekald select', 'forkert_indhold');
  await clickLoad(page, 'details.tilbagekald button[type=submit]');
  check((await text(page, 'ol.forloeb')).includes('af Rejseholdet'),
      'the team\'s recalled message is marked');
  await audit(page, 'thread-recalled-by-team');

  // A message the municipality recalled; a thread whose consent was withdrawn.
  await page.goto(`${base}${casePath}${recalledThread}`, {waitUntil: 'load'});
  const tl = await text(page, 'ol.forloeb');
  check(tl.includes('af kommunen') && !tl.includes('Aisha'),
      'the recalled message is marked and its text gone');
  await unfold(page);
  await audit(page, 'thread-recalled');
  await page.goto(`${base}${casePath}${consentThread}`, {waitUntil: 'load'});
  check((await page.content()).includes('Samtykket er trukket tilbage'),
      'the consent withdrawn is said');
  await audit(page, 'thread-consent-withdrawn');
}

// Live updates on the inbox page: a new akut request shows up in the list without a
// reload, the countdowns tick, and (permission granted, the button pressed) a browser
// notification is made with the urgency and a link only.
async function liveFlow(browser) {
  await browser.defaultBrowserContext().overridePermissions(base, ['notifications']);
  const page = await browser.newPage();
  await page.setViewport({width: 1100, height: 800});
  watch(page);
  // Record every notification the page makes. Until the button asks, the permission
  // reads "default" (as for a person who has not been asked yet).
  await page.evaluateOnNewDocument(() => {
    const Real = window.Notification;
    let asked = false;
    window.rpNotes = [];
    function Recorded(title, options) {
      window.rpNotes.push({title, options: JSON.parse(JSON.stringify(options || {}))});
      return new Real(title, options);
    }
    Object.defineProperty(Recorded, 'permission', {get: () => (asked ? Real.permission : 'default')});
    Recorded.requestPermission = () => {
      asked = true;
      return Real.requestPermission();
    };
    window.Notification = Recorded;
  });
  await page.goto(`${base}/`, {waitUntil: 'load'});
  const button = await page.waitForSelector('[data-begivenheder] button', {timeout: 5000});
  const label = await page.evaluate((b) => b.textContent, button);
  await audit(page, 'inbox-live');
  const before = await page.$$eval('.nedtaelling', (es) => es.map((e) => e.textContent));
  await button.click();
  // The button goes once the browser has answered the request for permission.
  await page.waitForFunction(() => document.querySelector('[data-begivenheder] button') === null,
      {timeout: 5000});
  check(await page.evaluate(() => Notification.permission === 'granted'),
      `"${label}" pressed: the permission is granted`);
  check(before.length > 0 && before.every((t) => /^\((om|overskredet med) /.test(t)),
      `each deadline has its countdown (${before[0]})`);
  // The test's inbox runs on a clock of its own, so every deadline here lies days back and
  // its text would not change within a second: wipe them, and they must be written anew.
  await page.$$eval('.nedtaelling', (es) => es.forEach((e) => {
    e.textContent = '';
  }));
  await new Promise((r) => setTimeout(r, 1200));
  const after = await page.$$eval('.nedtaelling', (es) => es.map((e) => e.textContent));
  check(after.length === before.length && after.every((t) => t !== ''),
      `the countdowns tick (written again each second: ${after[0]})`);
  // The page must not load again: a mark on the window survives only without a reload.
  await page.evaluate(() => {
    window.rpSamePage = true;
  });
  const [thread, code] = (await ask('AKUT')).split(' ');
  check(/^[0-9a-f]{32}$/.test(thread), 'a new akut request arrived');
  await page.waitForSelector(`table.indbakke a[href="${casePath}${thread}"]`, {timeout: 15000});
  check(await page.evaluate(() => window.rpSamePage === true),
      'the new request is listed without a reload');
  await page.waitForFunction(() => window.rpNotes.length > 0, {timeout: 10000});
  const notes = await page.evaluate(() => window.rpNotes);
  log(`notification: ${JSON.stringify(notes)}`);
  check(notes.length === 1 && notes[0].title === 'Ny AKUT henvendelse',
      'one notification, its title the urgency');
  check(notes[0].options.tag === `${casePath}${thread}` &&
      Object.keys(notes[0].options).every((k) => ['tag', 'requireInteraction'].includes(k)),
      'the notification carries the link and nothing else');
  const said = JSON.stringify(notes);
  for (const bit of ['genopdragelsesrejse', 'Vold', 'vold', 'sagsbehandler', code]) {
    check(!said.includes(bit), `no content of the request in the notification (${bit})`);
  }
  check((await text(page, '[data-begivenheder] [role=status]')).includes('AKUT'),
      'the status line says it too');
  await audit(page, 'inbox-live-updated');
  await page.close();
}

function watch(page) {
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) cspErrors.push(m.text());
  });
  page.on('pageerror', (e) => cspErrors.push(`page error: ${e.message}`));
}

async function main() {
  fs.mkdirSync(downloads, {recursive: true});
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', `--user-data-dir=${profile}`],
  });
  let failed = null;
  try {
    log(`browser ${await browser.version()}`);
    const page = await browser.newPage();
    await page.setViewport({width: 1100, height: 800});
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', {behavior: 'allow', downloadPath: downloads});
    // The confirmation before closing a thread: the person says yes.
    page.on('dialog', (d) => {
      log(`dialog: ${d.message()}`);
      d.accept();
    });
    watch(page);
    await axeSelfCheck(page);
    await mouseFlow(page);
    await keyboardFlow(page);
    await workflowPages(page);
    await liveFlow(browser);
  } catch (e) {
    failed = e;
  } finally {
    await browser.close();
  }
  if (failed) {
    log(`FAILED: ${failed.stack || failed}`);
    process.exitCode = 1;
  }
  for (const v of violations) log(`axe violation: ${v}`);
  for (const c of cspErrors) log(`console: ${c}`);
  for (const f of focusFaults) log(`focus not visible enough: ${f}`);
  if (violations.length > 0 || cspErrors.length > 0 || focusFaults.size > 0) {
    process.exitCode = 1;
  }
  log(`${shot} pages checked with axe, ${violations.length} violation(s)`);
  lines.close();
}

main().catch((e) => {
  log(`FAILED: ${e.stack || e}`);
  process.exit(1);
});

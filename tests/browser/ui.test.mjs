// The web UI in a real browser (Debian's Chromium, driven by playwright-core)
// against the real daemon on loopback with a fresh database:
//   a coordinator signs in, adds a body, a meeting with an agenda item and
//   slots, turns public sign-up off and on; a volunteer on a phone-sized
//   screen opens the link, switches to Spanish, signs up, gets the calendar
//   link and confirms from their private page; the coordinator sees them on
//   the slot board, assigns a second volunteer, cancels the meeting, and
//   opens the outbox; edits a body (minutes per speaker, its public
//   calendar) and the group's settings (its language); a viewer signs in
//   and sees meetings, the slot board, volunteers, bodies and settings with
//   no form or button that would change anything.
// Every page visited is checked with axe-core (no serious or critical
// violation), must log no Content-Security-Policy violation or script
// error, and is saved as a screenshot under $TURNOUT_TEST_OUTPUT/screenshots.
// Run by ctest as browser.ui with TURNOUTD and CHROMIUM set.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { Daemon } from './daemon.mjs';

const require = createRequire(import.meta.url);
const TURNOUTD = process.env.TURNOUTD;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const OUT = path.join(process.env.TURNOUT_TEST_OUTPUT || path.resolve('test-output'), 'screenshots');
assert.ok(TURNOUTD, 'set TURNOUTD to the turnoutd binary');
assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: run scripts/test, which installs Debian's chromium`);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
fs.rmSync(OUT, { recursive: true, force: true });  // this run's pages only
fs.mkdirSync(OUT, { recursive: true });

const SECRETS = new Set();
const secret = (v) => { SECRETS.add(String(v)); return v; };
const PASSWORD = secret('organize-the-county-2026');
const COORD = secret('ana.coordinator@example.org');
const VIEWER = secret('vera.viewer@example.org');
const VIEWER_PASSWORD = secret('watch-the-board-2026');
const PHONE_1 = '(213) 555-0142';
secret('+12135550142'); secret('2135550142');
const PHONE_2 = '+13105550177';
secret(PHONE_2);
const EMAIL_1 = secret('rosa.volunteer@example.org');

let step = 0;
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s]`, ...a);
const started = Date.now();
const visited = [];

// Fails the test on any browser-side error: a CSP violation, a script error,
// a failed request for one of our own files.
function watch(page, who) {
  const problems = [];
  const push = problems.push.bind(problems);
  problems.push = (...items) => { for (const i of items) console.error(`  ! ${i}`); return push(...items); };
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|404|409|422)/.test(m.text()))
      problems.push(`${who} console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${who} page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A navigation aborts what the page left in flight: not a failure.
    if (!r.url().startsWith('webcal:') && r.failure()?.errorText !== 'net::ERR_ABORTED') problems.push(`${who} request failed: ${r.url().replace(/\/(signup|me)\/[^/?#]+/, '/$1/…')} ${r.failure()?.errorText}`);
  });
  return problems;
}

// axe-core, evaluated through the DevTools protocol (the page's CSP rightly
// forbids injecting a script); serious and critical violations fail.
async function checkPage(page, name) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const file = path.join(OUT, `${String(++step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true, scale: 'css' });
  visited.push(name);
  assert.deepEqual(bad, [], `axe-core on ${name}: ${JSON.stringify(bad, null, 1)}`);
  const minor = result.filter((v) => !bad.includes(v));
  if (minor.length) log(`  axe (minor, ${name}):`, minor.map((v) => `${v.id}/${v.impact}`).join(', '));
  log(`checked ${name}`);
}

// Waits for the notice an action leaves. Every redraw makes a new #flash;
// the one already waited for is marked, so two actions in a row that both
// say "Saved." cannot pass on the first one's notice (the second change may
// not be committed yet).
async function flashSays(page, text) {
  const fresh = page.locator('#flash:not([data-seen])', { hasText: text });
  await fresh.waitFor({ timeout: 15000 });
  // (gone already: a newer draw replaced it, and that one is new anyway)
  await fresh.evaluate((el) => { el.dataset.seen = '1'; }, undefined, { timeout: 1000 }).catch(() => {});
}

function datetimeLocal(daysAhead, hour) {
  const d = new Date(Date.now() + daysAhead * 86400000);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(hour)}:00`;
}

const daemon = new Daemon(TURNOUTD);
let browser;
let failed = false;
try {
  await daemon.configure();
  daemon.cli(['admin', 'create-group', '--name', 'Valle Verde Coalition', '--slug', 'valle-verde', '--timezone', 'America/Los_Angeles']);
  daemon.cli(['admin', 'create-user', '--group', 'valle-verde', '--email', COORD, '--role', 'coordinator', '--name', 'Ana', '--password-stdin'], `${PASSWORD}\n`);
  daemon.cli(['admin', 'create-user', '--group', 'valle-verde', '--email', VIEWER, '--role', 'viewer', '--name', 'Vera', '--password-stdin'], `${VIEWER_PASSWORD}\n`);
  await daemon.start();
  log(`daemon on ${daemon.url}`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });

  // -- the coordinator ------------------------------------------------------------
  const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  desk.setDefaultTimeout(15000);
  const coord = await desk.newPage();
  const coordProblems = watch(coord, 'coordinator');

  const root = await coord.goto(`${daemon.url}/`);
  assert.equal(new URL(root.url()).pathname, '/app/', 'the root sends coordinators to /app/');
  assert.match(root.headers()['content-security-policy'], /default-src 'self'/);
  await coord.getByRole('heading', { name: 'Sign in' }).waitFor();
  await checkPage(coord, 'sign-in');
  await coord.getByLabel('Email').fill(COORD);
  await coord.getByLabel('Password').fill('not the password');
  await coord.getByRole('button', { name: 'Sign in' }).click();
  await coord.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  await coord.getByLabel('Password').fill(PASSWORD);
  await coord.getByRole('button', { name: 'Sign in' }).click();
  await coord.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  await coord.getByText('No meetings ahead.').waitFor();
  await checkPage(coord, 'dashboard-empty');

  await coord.getByRole('link', { name: 'Bodies' }).click();
  await coord.getByRole('heading', { name: 'Bodies', level: 1 }).waitFor();
  const newBody = coord.locator('#new-body');
  await newBody.getByLabel('Name').fill('Valle County Board of Supervisors');
  await newBody.getByLabel('Kind').selectOption('county_board');
  await newBody.getByLabel('Jurisdiction').fill('Valle County');
  await newBody.getByLabel('Sign-up closes (minutes before)').fill('30');
  await newBody.getByRole('button', { name: 'Add a body' }).click();
  await flashSays(coord, 'Body added.');
  await coord.getByRole('cell', { name: 'Valle County Board of Supervisors', exact: true }).waitFor();
  assert.equal(await coord.locator('#read-only').count(), 0, 'a coordinator gets no read-only note');
  await checkPage(coord, 'bodies');

  // Edit the body: its rules (prefilled), then publish its calendar.
  await coord.getByRole('link', { name: 'Valle County Board of Supervisors' }).click();
  await coord.getByRole('heading', { name: 'Valle County Board of Supervisors', level: 1 }).waitFor();
  const editBody = coord.locator('#edit-body');
  assert.equal(await editBody.getByLabel('Sign-up closes (minutes before)').inputValue(), '30', 'the edit form is prefilled');
  assert.equal(await editBody.getByLabel('Minutes per speaker').inputValue(), '2');
  await editBody.getByLabel('Minutes per speaker').fill('3');
  assert.equal(await editBody.getByLabel('Written testimony: most words').inputValue(), '', 'no word limit yet');
  await editBody.getByLabel('Written testimony: most words').fill('300');
  await editBody.getByRole('button', { name: 'Save' }).click();
  await flashSays(coord, 'Saved.');
  assert.equal(await coord.locator('#edit-body').getByLabel('Minutes per speaker').inputValue(), '3');
  const bodyNow = async () => coord.evaluate(async () => (await (await fetch('/api/v1/bodies')).json()).items[0].public_comment);
  assert.equal((await bodyNow()).written_limit_words, 300);
  // Emptied, the rule is gone (not zero).
  await coord.locator('#edit-body').getByLabel('Written testimony: most words').fill('');
  await coord.locator('#edit-body').getByRole('button', { name: 'Save' }).click();
  // (the first "Saved." may still be on screen: wait for the change itself)
  for (let i = 0; i < 100 && (await bodyNow()).written_limit_words !== null; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal((await bodyNow()).written_limit_words, null);
  await flashSays(coord, 'Saved.');
  await coord.locator('dl.facts dd', { hasText: /^3$/ }).first().waitFor();
  await coord.getByText('Not published: nobody outside your group', { exact: false }).waitFor();
  await coord.getByRole('switch', { name: "Publish this body's meetings as a public calendar" }).check();
  await flashSays(coord, 'The calendar is public.');
  const bodyWebcal = await coord.locator('#body-webcal').getAttribute('href');
  assert.match(bodyWebcal, /^webcal:\/\/127\.0\.0\.1:\d+\/feeds\/bodies\/\d+\.ics$/);
  assert.equal(await coord.locator('#body-feed-url').getAttribute('href'), bodyWebcal.replace(/^webcal:/, 'http:'));
  assert.ok(await coord.getByRole('switch').isChecked());
  await checkPage(coord, 'body-edit');
  await coord.getByRole('link', { name: 'Bodies' }).first().click();
  await coord.getByRole('heading', { name: 'Bodies', level: 1 }).waitFor();
  const bodyRow = coord.getByRole('row').filter({ hasText: 'Valle County Board of Supervisors' });
  await bodyRow.getByRole('cell', { name: '3', exact: true }).waitFor();
  await bodyRow.getByRole('cell', { name: 'Published', exact: true }).waitFor();

  await coord.getByRole('link', { name: 'Meetings' }).click();
  await coord.getByRole('heading', { name: 'Meetings', level: 1 }).waitFor();
  await coord.getByLabel('Title').fill('Board of Supervisors: sheriff cooperation with ICE');
  await coord.getByLabel('Starts').fill(datetimeLocal(10, 18));
  await coord.getByLabel('Ends').fill(datetimeLocal(10, 21));
  await coord.getByLabel('Place').fill('Board chambers, 70 W Hedding St');
  await coord.getByRole('button', { name: 'Add a meeting' }).click();
  await coord.getByRole('heading', { name: 'Board of Supervisors: sheriff cooperation with ICE', level: 1 }).waitFor();
  await flashSays(coord, 'Meeting added.');
  const meetingUrl = coord.url();
  assert.match(meetingUrl, /#\/meetings\/\d+$/);
  // The time shown is the one typed, in the meeting's zone.
  await coord.getByText(/6:00\s?PM/).first().waitFor();

  await coord.locator('summary', { hasText: 'Add an agenda item' }).click();
  await coord.getByLabel('Number').fill('PH-2');
  await coord.locator('#new-item').getByLabel('Title').fill('Jail contract: sheriff cooperation with immigration enforcement');
  await coord.locator('#new-item').getByLabel('Our stance').selectOption('oppose');
  await coord.getByRole('button', { name: 'Add an agenda item' }).click();
  await flashSays(coord, 'Agenda item added.');

  for (const [n, role, capacity, item] of [[1, 'speaker', '3', true], [2, 'turnout', '20', false], [3, 'notetaker', '1', false]]) {
    await coord.locator('summary', { hasText: 'Add a slot' }).click();
    const form = coord.locator('#new-slot');
    await form.getByLabel('Role').selectOption(role);
    if (item) await form.getByLabel('Agenda item').selectOption({ index: 1 });
    await form.getByLabel('Places').fill(capacity);
    await form.getByRole('button', { name: 'Add a slot' }).click();
    await flashSays(coord, 'Slot added.');
    await coord.waitForFunction((count) => document.querySelectorAll('#board > li').length === count, n);
  }
  // Speaking order: the note-taker moves ahead of the people filling the room.
  const boardOrder = () => coord.locator('#board > li h3').allTextContents();
  assert.deepEqual(await boardOrder(), ['1. Speak at public comment', '2. Fill the room', '3. Take notes']);
  await coord.getByRole('button', { name: 'Move 3. Take notes up' }).click();
  await flashSays(coord, 'Speaking order changed.');
  assert.deepEqual(await boardOrder(), ['1. Speak at public comment', '2. Take notes', '3. Fill the room']);

  // A new meeting's sign-up is on; off makes the link die, on makes a new one.
  const firstLink = await coord.locator('#signup-link').getAttribute('href');
  await coord.getByRole('button', { name: 'Turn public sign-up off' }).click();
  await flashSays(coord, 'Public sign-up is off');
  assert.equal((await coord.request.get(`${daemon.url}/api/v1/public/signup/${firstLink.split('/').pop()}`)).status(), 404);
  await coord.getByRole('button', { name: 'Turn public sign-up on' }).click();
  await flashSays(coord, 'Public sign-up is on.');
  const signupLink = await coord.locator('#signup-link').getAttribute('href');
  assert.notEqual(signupLink, firstLink);
  assert.match(signupLink, new RegExp(`^${daemon.url}/signup/su_`));
  secret(signupLink.split('/').pop());
  const qrLoaded = await coord.locator('img.qr').evaluate((img) => img.complete && img.naturalWidth > 0);
  assert.ok(qrLoaded, 'the QR code of the sign-up link is drawn');
  await checkPage(coord, 'meeting-before-signups');

  // -- a volunteer, on a phone --------------------------------------------------------
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-US' });
  phone.setDefaultTimeout(15000);
  const vol = await phone.newPage();
  const volProblems = watch(vol, 'volunteer');
  const signupRes = await vol.goto(signupLink);
  assert.equal(signupRes.headers()['referrer-policy'], 'no-referrer');
  assert.match(signupRes.headers()['content-security-policy'], /script-src 'self'/);
  await vol.getByRole('heading', { name: 'Board of Supervisors: sheriff cooperation with ICE' }).waitFor();
  await vol.getByText('We oppose this.').waitFor();
  await vol.getByRole('button', { name: 'Español' }).click();
  await vol.getByText('¿Cómo quiere ayudar?').waitFor();
  assert.equal(await vol.locator('html').getAttribute('lang'), 'es');
  await vol.getByText('Estamos en contra.').waitFor();
  // The date, the way Spanish writes it, in the meeting's zone.
  await vol.getByText(/\d{1,2} de [a-z]+ de \d{4}/).first().waitFor();
  await vol.getByRole('button', { name: 'Inscribirme' }).click();
  await vol.getByRole('alert').filter({ hasText: 'Elija cómo quiere ayudar.' }).waitFor();
  await vol.getByLabel(/Hablar en el comentario público/).check();
  await vol.getByLabel('Nombre').fill('Rosa Martínez');
  await vol.getByLabel('Teléfono celular').fill(PHONE_1);
  await vol.getByLabel('Correo electrónico (opcional)').fill(EMAIL_1);
  await vol.getByLabel(/mensajes de texto \(SMS\)/).check();
  await checkPage(vol, 'phone-signup-es');
  await vol.getByRole('button', { name: 'Inscribirme' }).click();
  await vol.getByRole('heading', { name: '¡Ya está inscrito!' }).waitFor();
  const webcal = await vol.locator('#subscribe').getAttribute('href');
  assert.match(webcal, /^webcal:\/\/127\.0\.0\.1:\d+\/feeds\/volunteers\/fd_[A-Za-z0-9_-]+\.ics$/);
  secret(webcal.split('/').pop().replace('.ics', ''));
  assert.equal(await vol.locator('#feed-url').inputValue(), webcal.replace(/^webcal:/, 'http:'));
  await vol.getByText('Desde URL', { exact: false }).first().waitFor();
  const manage = await vol.locator('#manage-link').getAttribute('href');
  assert.match(manage, new RegExp(`^${daemon.url}/me/mg_`));
  secret(manage.split('/').pop());
  await checkPage(vol, 'phone-signup-done-es');

  // Her private page: still in Spanish (remembered), confirm the place.
  await vol.goto(manage);
  await vol.getByRole('heading', { name: 'Hola, Rosa Martínez' }).waitFor();
  assert.ok(!(await vol.content()).includes(EMAIL_1), 'the private page shows no contact data');
  await vol.getByRole('button', { name: 'Voy a ir' }).click();
  await vol.getByText('Gracias por confirmar.').waitFor();
  await vol.locator('.badge.confirmed').first().waitFor();
  await vol.getByRole('button', { name: 'Obtener mi enlace de calendario' }).click();
  await vol.locator('#subscribe').waitFor();
  await checkPage(vol, 'phone-private-page-es');

  // Someone whose browser asks for Spanish (Accept-Language) gets it without a click.
  const spanishPhone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: 'es-MX' });
  const es = await spanishPhone.newPage();
  await es.goto(signupLink);
  await es.getByText('¿Cómo quiere ayudar?').waitFor({ timeout: 15000 });
  assert.equal(await es.locator('html').getAttribute('lang'), 'es');
  await spanishPhone.close();

  // -- back to the coordinator: the board, a second volunteer, cancelling ----------------
  await coord.goto(`${daemon.url}/app/#/volunteers`);
  await coord.getByRole('heading', { name: 'Volunteers', level: 1 }).waitFor();
  await coord.getByRole('cell', { name: 'Rosa Martínez', exact: true }).waitFor();
  const add = coord.locator('#new-volunteer');
  await add.getByLabel('Name').fill('Luis Ortega');
  await add.getByLabel('Mobile phone').fill(PHONE_2);
  await add.getByLabel('Tags').fill('turnout, interpreter:es');
  await add.getByLabel('Agreed to text messages').check();  // so a cancellation notice has a way to reach him
  await add.getByRole('button', { name: 'Add a volunteer' }).click();
  await flashSays(coord, 'Volunteer added.');
  await coord.getByRole('cell', { name: 'Luis Ortega', exact: true }).waitFor();

  // CSV import: the check names the bad line and imports nothing; a good file goes in whole.
  const csvFile = (text) => ({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  await coord.getByLabel('CSV file').setInputFiles(csvFile('name,phone,tags\r\nCarmen Ruiz,+14155550163,speaker\r\n,+14155550164,\r\n'));
  secret('+14155550163'); secret('+14155550164'); secret('+14155550165');
  await coord.getByRole('button', { name: 'Check the file' }).click();
  await coord.getByRole('alert').filter({ hasText: 'nothing was imported' }).getByText(/line 3/).waitFor();
  await coord.getByLabel('CSV file').setInputFiles(csvFile('name,phone,tags\r\nCarmen Ruiz,+14155550163,speaker\r\nDaniel Soto,+14155550165,turnout\r\n'));
  await coord.getByRole('button', { name: 'Check the file' }).click();
  await coord.getByText('All 2 rows are right.').waitFor();
  await coord.getByRole('button', { name: 'Import 2 volunteers' }).click();
  await flashSays(coord, '2 volunteers imported.');
  await coord.getByRole('cell', { name: 'Carmen Ruiz', exact: true }).waitFor();
  // Filter by tag, then erase someone for good (after a clear warning).
  await coord.locator('#volunteer-filter').getByLabel('Tag').fill('interpreter:es');
  await coord.getByRole('button', { name: 'Show' }).click();
  await coord.getByText('1 shown').waitFor();
  await coord.locator('#volunteer-filter').getByLabel('Tag').fill('');
  await coord.getByRole('button', { name: 'Show' }).click();
  await coord.getByText('4 shown').waitFor();
  await coord.getByRole('button', { name: 'Erase Daniel Soto for good' }).click();
  await coord.getByText('It cannot be undone.', { exact: false }).waitFor();
  await checkPage(coord, 'volunteers');
  await coord.getByRole('button', { name: 'Erase for good' }).click();
  await flashSays(coord, 'Erased.');
  assert.equal(await coord.getByRole('cell', { name: 'Daniel Soto', exact: true }).count(), 0);
  const [download] = await Promise.all([coord.waitForEvent('download'), coord.getByRole('button', { name: 'Export all as CSV' }).click()]);
  const exported = fs.readFileSync(await download.path(), 'utf8');
  assert.match(exported, /Luis Ortega/);
  assert.doesNotMatch(exported, /Daniel Soto/);

  await coord.goto(meetingUrl);
  await coord.reload();
  await coord.getByRole('heading', { name: 'Board of Supervisors: sheriff cooperation with ICE', level: 1 }).waitFor();
  const speakerSlot = coord.locator('#board > li').first();
  await speakerSlot.getByText('Rosa Martínez').waitFor();
  await speakerSlot.locator('.badge.confirmed', { hasText: 'Confirmed' }).waitFor();
  const turnoutSlot = coord.locator('#board > li', { hasText: 'Fill the room' });
  await turnoutSlot.getByLabel('Assign: search volunteers by name').fill('Luis');
  await turnoutSlot.getByRole('button', { name: /Assign Luis Ortega/ }).click();
  await flashSays(coord, 'Luis Ortega assigned.');
  await turnoutSlot.getByText('Luis Ortega').waitFor();
  const luisStatus = turnoutSlot.getByLabel('Status of Luis Ortega');
  await luisStatus.selectOption('confirmed');
  await flashSays(coord, 'Saved.');
  await checkPage(coord, 'slot-board');

  await coord.getByRole('link', { name: 'Dashboard' }).click();
  await coord.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  await coord.getByRole('link', { name: 'Board of Supervisors: sheriff cooperation with ICE' }).first().waitFor();
  await coord.getByText('1 of 3 open', { exact: false }).or(coord.getByText('2 of 3 open')).first().waitFor();
  await checkPage(coord, 'dashboard');

  // After a meeting: record who spoke. (Set up through the API: a meeting
  // that already happened cannot be typed in with a future-looking form.)
  const csrf = (await (await coord.request.get(`${daemon.url}/api/v1/session`)).json()).csrf_token;
  const call = async (method, url, data) => {
    const res = await coord.request.fetch(`${daemon.url}${url}`, { method, data, headers: { 'X-CSRF-Token': csrf } });
    assert.ok(res.ok(), `${method} ${url}: ${res.status()} ${await res.text()}`);
    return res.json();
  };
  const bodyId = (await call('GET', '/api/v1/bodies')).items[0].id;
  const hour = 3600 * 1000;
  const past = await call('POST', '/api/v1/meetings', { body_id: bodyId, title: 'Last week: budget hearing',
    starts_at: new Date(Date.now() - 50 * hour).toISOString().replace(/\.\d+Z$/, 'Z'), ends_at: new Date(Date.now() - 47 * hour).toISOString().replace(/\.\d+Z$/, 'Z') });
  const pastSlot = await call('POST', `/api/v1/meetings/${past.id}/slots`, { role: 'speaker', capacity: 2 });
  const luis = (await call('GET', '/api/v1/volunteers?q=Luis')).items[0];
  await call('POST', `/api/v1/slots/${pastSlot.id}/assignments`, { volunteer_id: luis.id, status: 'attended' });
  await coord.goto(`${daemon.url}/app/#/meetings/${past.id}`);
  await coord.getByRole('heading', { name: 'Last week: budget hearing', level: 1 }).waitFor();
  await coord.getByLabel('Outcome for Luis Ortega').selectOption('spoke');
  await flashSays(coord, 'Saved.');
  assert.equal(await coord.getByLabel('Outcome for Luis Ortega').inputValue(), 'spoke');
  await checkPage(coord, 'outcomes');

  await coord.goto(meetingUrl);
  await coord.getByRole('heading', { name: 'Board of Supervisors: sheriff cooperation with ICE', level: 1 }).waitFor();
  await coord.getByRole('button', { name: 'Cancel this meeting' }).click();
  await coord.getByRole('button', { name: 'Yes, cancel the meeting' }).click();
  await flashSays(coord, 'The meeting is cancelled.');
  await coord.getByText('This meeting is cancelled.').waitFor();

  // The public page now says so, in the language she chose.
  await vol.goto(signupLink);
  await vol.getByText('Esta reunión está cancelada o aplazada.').waitFor();

  await coord.getByRole('link', { name: 'Outbox' }).click();
  await coord.getByRole('heading', { name: 'Outbox', level: 1 }).waitFor();
  await coord.locator('#outbox, #outbox-empty').first().waitFor();
  // Cancelling told everyone on the meeting at once: the planner queues a
  // notice for each (in the background, right after the change commits).
  const volunteers = await coord.evaluate(async () => (await (await fetch('/api/v1/volunteers?limit=500')).json()).items);
  const wanted = ['Rosa Martínez', 'Luis Ortega'].map((name) => volunteers.find((x) => x.name === name));
  let outbox = [];
  for (let i = 0; i < 100; i++) {
    outbox = await coord.evaluate(async () => (await (await fetch('/api/v1/outbox?limit=500')).json()).items);
    if (wanted.every((v) => outbox.some((m) => m.volunteer_id === v.id && m.kind === 'meeting_cancelled'))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const v of wanted)
    assert.ok(outbox.some((m) => m.volunteer_id === v.id && m.kind === 'meeting_cancelled'),
              `a cancellation notice for ${v.name}`);
  await coord.reload();
  await coord.getByRole('heading', { name: 'Outbox', level: 1 }).waitFor();
  for (const v of wanted)  // each row names its recipient, never their number
    await coord.locator(`#outbox tr[data-volunteer="${v.id}"]`, { hasText: v.name }).first().waitFor();
  await checkPage(coord, 'outbox');

  await coord.getByRole('link', { name: 'Plugins' }).click();
  await coord.getByRole('heading', { name: 'Plugins', level: 1 }).waitFor();
  if (process.env.TURNOUT_PLUGIN_DIR && fs.existsSync(path.join(process.env.TURNOUT_PLUGIN_DIR, 'example.so'))) {
    const row = coord.getByRole('row').filter({ hasText: 'example' });
    await row.getByText('Running').waitFor();
  } else {
    await coord.getByText('No plugins found.').waitFor();
  }
  await checkPage(coord, 'plugins');
  await coord.getByRole('link', { name: 'Settings' }).click();
  await coord.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  await coord.getByLabel('Hours before each meeting').fill('48, 3');
  await coord.locator('#reminders').getByRole('button', { name: 'Save', exact: true }).click();
  await flashSays(coord, 'Saved.');
  assert.equal(await coord.getByLabel('Hours before each meeting').inputValue(), '48, 3');
  // The group's own settings: its language, for people whose own is unknown.
  const groupForm = coord.locator('#group-settings');
  assert.equal(await groupForm.getByLabel('Name').inputValue(), 'Valle Verde Coalition');
  assert.equal(await groupForm.getByLabel('Group language').inputValue(), 'en');
  await groupForm.getByLabel('Group language').selectOption('es');
  await groupForm.getByRole('button', { name: 'Save group settings' }).click();
  await flashSays(coord, 'Saved.');
  assert.equal(await coord.locator('#group-settings').getByLabel('Group language').inputValue(), 'es');
  const savedGroup = await coord.evaluate(async () => (await fetch('/api/v1/groups/current')).json());
  assert.equal(savedGroup.language, 'es');
  assert.equal(savedGroup.name, 'Valle Verde Coalition');
  // Its own reply words (ALTO to stop), saved as the server writes them.
  await coord.locator('#reply-words').getByLabel('Stop all messages').fill('alto, ¡basta!');
  await coord.getByRole('button', { name: 'Save the words' }).click();
  await coord.waitForFunction(() => document.querySelector('#reply-words [name="opt_out"]')?.value === 'ALTO, BASTA');
  assert.deepEqual((await call('GET', '/api/v1/groups/current')).reply_words.opt_out, ['ALTO', 'BASTA']);
  await checkPage(coord, 'settings');
  // The group words the Spanish text reminder its own way: a typo is named
  // before anything is sent and the text typed survives; then it is saved,
  // and the plugin's wording can come back.
  await coord.locator('#template-choice').selectOption('sms/reminder/es');
  await coord.locator('#template-edit[data-template="sms/reminder/es"]').waitFor();  // redrawn for that message
  const words = coord.getByLabel('Text', { exact: true });
  await coord.getByText("This is Turnout's own wording.").waitFor();
  assert.match(await words.inputValue(), /recordatorio/);
  await words.fill('{{group}}: {{nmae}}, nos vemos el {{when}}.');
  await coord.getByRole('button', { name: 'Save wording' }).click();
  await flashSays(coord, 'cannot fill in {{nmae}}');
  assert.equal(await words.inputValue(), '{{group}}: {{nmae}}, nos vemos el {{when}}.');
  await words.fill('{{group}}: {{name}}, nos vemos el {{when}}.');
  await coord.getByRole('button', { name: 'Save wording' }).click();
  await flashSays(coord, 'Saved. The next message uses it.');
  await coord.getByText("This is your group's wording").waitFor();
  assert.equal(await words.inputValue(), '{{group}}: {{name}}, nos vemos el {{when}}.');
  const saved = await call('GET', '/api/v1/message-templates');
  assert.equal(saved.items.find((e) => e.channel === 'sms' && e.kind === 'reminder' && e.language === 'es').body,
               '{{group}}: {{name}}, nos vemos el {{when}}.');
  await checkPage(coord, 'settings-templates');
  await coord.getByRole('button', { name: "Use Turnout's wording again" }).click();
  await flashSays(coord, "Back to Turnout's wording.");
  assert.match(await words.inputValue(), /recordatorio/);
  // The coordinator's app in Spanish too.
  await coord.getByRole('button', { name: 'Español' }).click();
  await coord.getByRole('heading', { name: 'Ajustes', level: 1 }).waitFor();
  await coord.getByRole('link', { name: 'Reuniones' }).click();
  await coord.getByRole('heading', { name: 'Reuniones', level: 1 }).waitFor();
  await checkPage(coord, 'meetings-es');

  // -- a viewer: reads everything, is offered nothing that would change it ---------------
  const watcherContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
  watcherContext.setDefaultTimeout(15000);
  const viewer = await watcherContext.newPage();
  const viewerProblems = watch(viewer, 'viewer');
  await viewer.goto(`${daemon.url}/app/`);
  await viewer.getByLabel('Email').fill(VIEWER);
  await viewer.getByLabel('Password').fill(VIEWER_PASSWORD);
  await viewer.getByRole('button', { name: 'Sign in' }).click();
  await viewer.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  const readOnly = 'Your account can look at everything here but not change it.';
  await viewer.getByText(readOnly).waitFor();
  // Nothing in the page that would write: no form but none, no button but the page's own chrome.
  // (choosing which message template to read changes nothing: it is the one select allowed)
  const writeControls = () => viewer.locator('main form, main select:not(#template-choice), main input, main textarea, main button, main [role="switch"]').count();
  await viewer.getByRole('link', { name: 'Meetings' }).click();
  await viewer.getByRole('heading', { name: 'Meetings', level: 1 }).waitFor();
  await viewer.getByRole('link', { name: 'Board of Supervisors: sheriff cooperation with ICE' }).waitFor();
  await viewer.getByText(readOnly).waitFor();
  assert.equal(await writeControls(), 0, 'the meetings page offers a viewer nothing to change');
  await checkPage(viewer, 'viewer-meetings');
  await viewer.goto(`${daemon.url}/app/#/meetings/${past.id}`);
  await viewer.getByRole('heading', { name: 'Last week: budget hearing', level: 1 }).waitFor();
  const pastBoard = viewer.locator('#board > li').first();
  await pastBoard.getByText('Luis Ortega').waitFor();
  await pastBoard.locator('.badge', { hasText: 'Spoke' }).waitFor();
  await viewer.locator('#signup-link').waitFor();  // the link to share stays readable
  assert.equal(await writeControls(), 0, 'the slot board offers a viewer nothing to change');
  await checkPage(viewer, 'viewer-slot-board');
  await viewer.goto(meetingUrl);
  await viewer.getByRole('heading', { name: 'Board of Supervisors: sheriff cooperation with ICE', level: 1 }).waitFor();
  await viewer.locator('#board > li').first().getByText('Rosa Martínez').waitFor();
  assert.equal(await writeControls(), 0);
  await viewer.getByRole('link', { name: 'Volunteers' }).click();
  await viewer.getByRole('heading', { name: 'Volunteers', level: 1 }).waitFor();
  await viewer.getByRole('cell', { name: 'Luis Ortega', exact: true }).waitFor();
  // the search stays: it reads; adding, editing, erasing, import and export do not
  assert.equal(await viewer.locator('#new-volunteer, #csv-file, #export, #edit-volunteer').count(), 0);
  assert.equal(await viewer.getByRole('button', { name: /Erase|Edit/ }).count(), 0);
  await checkPage(viewer, 'viewer-volunteers');
  await viewer.getByRole('link', { name: 'Bodies' }).click();
  await viewer.getByRole('heading', { name: 'Bodies', level: 1 }).waitFor();
  assert.equal(await writeControls(), 0);
  await viewer.getByRole('link', { name: 'Valle County Board of Supervisors' }).click();
  await viewer.getByRole('heading', { name: 'Valle County Board of Supervisors', level: 1 }).waitFor();
  assert.equal(await viewer.locator('#body-webcal').getAttribute('href'), bodyWebcal, 'a viewer sees the public calendar link');
  assert.equal(await writeControls(), 0);
  await viewer.getByRole('link', { name: 'Settings' }).click();
  await viewer.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  await viewer.getByText('Spanish', { exact: true }).waitFor();  // the group language, as set above
  assert.equal(await writeControls(), 0, 'settings offer a viewer nothing to change');
  await viewer.locator('#template-choice').selectOption('sms/reminder/es');
  await viewer.locator('#template-text[data-template="sms/reminder/es"]', { hasText: 'recordatorio' }).waitFor();  // a viewer reads the wording in use
  await checkPage(viewer, 'viewer-settings');
  assert.deepEqual([...viewerProblems], [], 'the viewer pages ran without errors (and made no refused call)');
  await watcherContext.close();

  assert.deepEqual([...coordProblems], [], 'the coordinator pages ran without errors');
  assert.deepEqual([...volProblems], [], 'the volunteer pages ran without errors');
  await browser.close();
  browser = null;

  const { code } = await daemon.stop();
  assert.equal(code, 0, 'turnoutd stops with exit 0 on SIGTERM');
  const text = daemon.log();
  const leaked = [...SECRETS].filter((s) => text.includes(s));
  assert.deepEqual(leaked, [], 'no phone, email, password or token in the log');
  assert.doesNotMatch(text, /\b(su|fd|mg|ss|cs|tk)_[A-Za-z0-9_-]{16,}/, 'no token in the log');
  assert.match(text, /GET \/signup\/\{token\} 200/, 'the access log names the page pattern, not its token');
  log(`ok: ${visited.length} pages checked, screenshots in ${OUT}`);
} catch (e) {
  failed = true;
  console.error(e);
  console.error('--- daemon log ---\n' + daemon.log().split('\n').slice(-40).join('\n'));
} finally {
  if (browser) await browser.close().catch(() => {});
  await daemon.stop();
  daemon.cleanup();
}
process.exit(failed ? 1 : 0);

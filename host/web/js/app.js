// The coordinators' app, /app/: one page that routes by #hash. Every view
// reads the API afresh and draws itself with dom.js (textContent only).
import { h, clear, append, field, option, formValues } from './dom.js';
import { api, get, post, patch, put, del, all, setCsrf, ApiError } from './api.js';
import { t, has, setLanguage, preferredLanguage, languageSwitch, onLanguageChange, formatDateTime, formatShort, formatTime, errorText } from './i18n.js';
import { wallToIso, isoToWall } from './zones.js';
import { volunteersView } from './volunteers.js';
import { templatesPanel } from './templates.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const signOutButton = document.getElementById('sign-out');
const state = { session: null, flash: null };

const ROLES = ['speaker', 'interpreter', 'turnout', 'notetaker'];
const ASSIGNMENT_STATUSES = ['invited', 'confirmed', 'declined', 'cancelled', 'attended', 'no_show'];
const OUTCOMES = ['spoke', 'not_called', 'time_ran_out', 'written_submitted'];
const STANCES = ['support', 'oppose', 'neutral'];
const BODY_KINDS = ['city_council', 'county_board', 'commission', 'committee', 'legislature', 'oversight', 'other'];
const MODES = ['in_person', 'remote', 'written'];
const HOUR = 3600 * 1000;

export const roleName = (role) => (has(`role.${role}`) ? t(`role.${role}`) : role);
const badge = (kind, text) => h('span', { class: `badge ${kind}`, text });

export function flash(kind, text) { state.flash = { kind, text }; }

// Viewers read; only coordinators change things. The server is the real
// gate (403); the pages just do not offer a viewer what would be refused.
export const canWrite = () => Boolean(state.session && state.session.account && state.session.account.role === 'coordinator');
export function readOnlyNote() {
  return canWrite() ? null : h('p', { class: 'notice info', id: 'read-only', text: t('app.read_only') });
}

function flashBox() {
  const box = h('div', { class: `notice ${state.flash ? state.flash.kind : 'ok'}`, role: 'status', id: 'flash' });
  if (state.flash) box.textContent = state.flash.text;
  state.flash = null;
  return box;
}

// Runs an API call from a button or form; shows its error, translated.
export async function attempt(fn, okText) {
  try {
    const out = await fn();
    if (okText) flash('ok', okText);
    // A call that made a new page goes there (the hashchange draws it).
    if (out && out.navigate && location.hash !== out.navigate) location.hash = out.navigate;
    else await route();
    return out;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'unauthorized') return signedOut();
    flash('bad', errorText(err));
    await route();
    return undefined;
  }
}

export function page(titleKey, ...rest) {
  // dom.js's append: it leaves out the null a part the role does not get.
  append(clear(main), h('h1', { tabindex: '-1', text: t(titleKey) }), flashBox(), readOnlyNote(), ...rest);
}

// -- sign in -------------------------------------------------------------------

function renderSignIn(error) {
  nav.hidden = true;
  signOutButton.hidden = true;
  const alert = h('div', { class: 'notice bad', role: 'alert' });
  if (error) alert.textContent = error;
  const form = h('form', { id: 'sign-in' },
    field(t('field.email'), h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true })),
    field(t('field.password'), h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true })),
    alert,
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('signin.submit') })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    alert.textContent = '';
    try {
      const s = await post('/api/v1/session', { email: v.email, password: v.password });
      setCsrf(s.csrf_token);
      state.session = s;
      await route();
    } catch (err) {
      // Keep what was typed; say what went wrong where a screen reader hears it.
      alert.textContent = err.code === 'unauthorized' ? t('signin.wrong') : errorText(err);
      form.elements.password.select();
    }
  });
  clear(main).append(h('h1', { text: t('signin.title') }), h('p', { text: t('signin.intro') }), form);
}

async function signedOut() {
  state.session = null;
  setCsrf(null);
  renderSignIn();
}

signOutButton.addEventListener('click', async () => {
  try { await del('/api/v1/session'); } catch (e) { /* signed out either way */ }
  location.hash = '#/';
  signedOut();
});

// -- dashboard -------------------------------------------------------------------

async function dashboard() {
  const now = Date.now();
  const from = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const [meetings, bodies, failed] = await Promise.all([
    get(`/api/v1/meetings?from=${encodeURIComponent(from)}&limit=10`),
    get('/api/v1/bodies'),
    get('/api/v1/outbox?status=failed&limit=20'),
  ]);
  const bodyOf = new Map(bodies.items.map((b) => [b.id, b]));
  const live = meetings.items.filter((m) => m.status !== 'cancelled');
  const slotsBy = new Map(await Promise.all(live.map(async (m) => [m.id, (await get(`/api/v1/meetings/${m.id}/slots`)).items])));

  const unfilled = [];
  const deadlines = [];
  const interpreters = [];
  for (const m of live) {
    const start = new Date(m.starts_at).getTime();
    for (const s of slotsBy.get(m.id)) if (s.taken < s.capacity) unfilled.push({ m, s });
    const b = bodyOf.get(m.body_id);
    if (!b) continue;
    const pc = b.public_comment;
    const add = (key, at) => { if (at >= now && at <= now + 72 * HOUR) deadlines.push({ m, key, at }); };
    add('deadline.signup_closes', start - pc.signup_closes_minutes_before * 60000);
    if (pc.written_deadline_minutes_before != null) add('deadline.written', start - pc.written_deadline_minutes_before * 60000);
    const interpretAt = start - pc.interpretation_lead_hours * HOUR;
    add('deadline.interpretation', interpretAt);
    if (interpretAt <= now + 7 * 24 * HOUR) {
      const holders = (await Promise.all(slotsBy.get(m.id).map((s) => get(`/api/v1/slots/${s.id}/assignments`)))).flatMap((r) => r.items);
      const needs = holders.filter((a) => a.needs_interpreter && ['invited', 'confirmed'].includes(a.status));
      if (needs.length) interpreters.push({ m, n: needs.length, langs: [...new Set(needs.map((a) => a.needs_interpreter))], at: interpretAt });
    }
  }
  deadlines.sort((a, b) => a.at - b.at);
  const meetingLink = (m) => h('a', { href: `#/meetings/${m.id}`, text: m.title });

  page('dashboard.title',
    h('div', { class: 'grid two' },
      h('section', { class: 'panel', 'aria-labelledby': 'next' },
        h('h2', { id: 'next', text: t('dashboard.next') }),
        meetings.items.length ? h('ul', {}, meetings.items.map((m) => h('li', {}, meetingLink(m), ' — ',
          formatShort(m.starts_at, m.timezone), ' ', m.status !== 'confirmed' ? badge(m.status, t(`meeting_status.${m.status}`)) : null)))
          : h('p', { text: t('dashboard.no_meetings') })),
      h('section', { class: 'panel', 'aria-labelledby': 'unfilled' },
        h('h2', { id: 'unfilled', text: t('dashboard.unfilled') }),
        unfilled.length ? h('ul', {}, unfilled.map(({ m, s }) => h('li', {}, meetingLink(m), ': ', roleName(s.role), ' — ',
          t('board.places_open', { open: s.capacity - s.taken, capacity: s.capacity }))))
          : h('p', { text: t('dashboard.all_filled') })),
      h('section', { class: 'panel', 'aria-labelledby': 'deadlines' },
        h('h2', { id: 'deadlines', text: t('dashboard.deadlines') }),
        deadlines.length ? h('ul', {}, deadlines.map((d) => h('li', {}, h('strong', { text: t(d.key) }), ' ',
          formatShort(new Date(d.at).toISOString(), d.m.timezone), ' — ', meetingLink(d.m))))
          : h('p', { text: t('dashboard.no_deadlines') })),
      h('section', { class: 'panel', 'aria-labelledby': 'interp' },
        h('h2', { id: 'interp', text: t('dashboard.interpreters') }),
        interpreters.length ? h('ul', {}, interpreters.map((x) => h('li', {}, meetingLink(x.m), ': ',
          t('dashboard.interpreters_line', { n: x.n, languages: x.langs.join(', '), when: formatShort(new Date(x.at).toISOString(), x.m.timezone) }))))
          : h('p', { text: t('dashboard.no_interpreters') })),
      h('section', { class: 'panel', 'aria-labelledby': 'failed' },
        h('h2', { id: 'failed', text: t('dashboard.failed') }),
        failed.items.length ? h('ul', {}, failed.items.map((o) => h('li', {}, badge('failed', t('outbox_status.failed')), ' ',
          `${o.channel}: ${o.last_error || ''}`))) : h('p', { text: t('dashboard.no_failed') }),
        h('p', {}, h('a', { href: '#/outbox', text: t('dashboard.to_outbox') })))));
}

// -- bodies ----------------------------------------------------------------------

// The add form (no body) and the edit form (a body, prefilled): the same
// fields, so a body can be changed in every way it was made.
const OPTIONAL_RULES = [['signup_opens_minutes_before', 'bodies.opens_hint'], ['written_limit_words', 'bodies.words_hint'],
  ['written_deadline_minutes_before', 'bodies.written_hint']];

function bodyForm(b) {
  const pc = b ? b.public_comment : null;
  const form = h('form', { id: b ? 'edit-body' : 'new-body' },
    field(t('field.name'), h('input', { type: 'text', name: 'name', required: true, value: b ? b.name : '' })),
    field(t('field.kind'), h('select', { name: 'kind' }, BODY_KINDS.map((k) => option(k, t(`kind.${k}`), k === (b ? b.kind : 'county_board'))))),
    field(t('field.jurisdiction'), h('input', { type: 'text', name: 'jurisdiction', value: b ? b.jurisdiction : '' })),
    field(t('field.timezone'), h('input', { type: 'text', name: 'timezone', required: true, value: b ? b.timezone : state.session.group.timezone }),
      t(b ? 'bodies.timezone_edit_hint' : 'bodies.timezone_hint')),
    field(t('field.minutes_per_speaker'), h('input', { type: 'number', name: 'minutes_per_speaker', min: '1', max: '120', required: true,
      value: String(pc ? pc.minutes_per_speaker : 2) })),
    field(t('field.signup_closes_minutes_before'), h('input', { type: 'number', name: 'signup_closes_minutes_before', required: true,
      value: String(pc ? pc.signup_closes_minutes_before : 0) }), t('bodies.closes_hint')),
    field(t('field.interpretation_lead_hours'), h('input', { type: 'number', name: 'interpretation_lead_hours', min: '0', max: '720', required: true,
      value: String(pc ? pc.interpretation_lead_hours : 48) })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'remote_allowed', checked: pc && pc.remote_allowed }),
      h('span', { text: t('field.remote_allowed') })),
    // The rules some bodies have and others not: empty means none.
    OPTIONAL_RULES.map(([name, hint]) => field(t(`field.${name}`),
      h('input', { type: 'number', name, min: name === 'written_limit_words' ? '1' : undefined, value: pc && pc[name] != null ? String(pc[name]) : '' }),
      t(hint))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t(b ? 'common.save' : 'bodies.add') })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    const sent = {
      name: v.name, kind: v.kind, jurisdiction: v.jurisdiction, timezone: v.timezone.trim(),
      public_comment: {
        minutes_per_speaker: Number(v.minutes_per_speaker), signup_closes_minutes_before: Number(v.signup_closes_minutes_before),
        interpretation_lead_hours: Number(v.interpretation_lead_hours), remote_allowed: v.remote_allowed,
      },
    };
    for (const [name] of OPTIONAL_RULES) {
      const text = String(v[name] ?? '').trim();
      if (text !== '') sent.public_comment[name] = Number(text);
      else if (b) sent.public_comment[name] = null;  // emptied: the body no longer has that rule
    }
    if (b) attempt(() => patch(`/api/v1/bodies/${b.id}`, sent), t('common.saved'));
    else attempt(() => post('/api/v1/bodies', sent), t('bodies.added'));
  });
  return form;
}

async function bodiesView() {
  const bodies = await get('/api/v1/bodies');
  page('bodies.title',
    bodies.items.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'bodies' },
      h('thead', {}, h('tr', {}, ['field.name', 'field.kind', 'field.jurisdiction', 'field.timezone', 'field.minutes_per_speaker', 'bodies.calendar']
        .map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, bodies.items.map((b) => h('tr', {},
        h('td', {}, h('a', { href: `#/bodies/${b.id}`, text: b.name })), h('td', { text: t(`kind.${b.kind}`) }),
        h('td', { text: b.jurisdiction }), h('td', { text: b.timezone }), h('td', { text: String(b.public_comment.minutes_per_speaker) }),
        h('td', { text: t(b.feed_public ? 'bodies.calendar_public' : 'bodies.calendar_private') }))))))
      : h('p', { text: t('bodies.none') }),
    canWrite() ? h('section', { class: 'panel', 'aria-labelledby': 'add-body' }, h('h2', { id: 'add-body', text: t('bodies.add') }), bodyForm(null)) : null);
}

// A body's public calendar: the switch (coordinators), and its links while published.
function bodyCalendarPanel(b) {
  let control = null;
  if (canWrite()) {
    const toggle = h('input', { type: 'checkbox', role: 'switch', id: 'feed-public', checked: b.feed_public, 'aria-describedby': 'feed-public-hint' });
    toggle.addEventListener('change', () => attempt(() => patch(`/api/v1/bodies/${b.id}`, { feed_public: toggle.checked }),
      t(toggle.checked ? 'bodies.calendar_now_public' : 'bodies.calendar_now_private')));
    control = h('label', { class: 'check' }, toggle, h('span', { text: t('bodies.calendar_switch') }));
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'calendar-h' },
    h('h2', { id: 'calendar-h', text: t('bodies.calendar') }),
    control,
    h('p', { class: 'hint', id: 'feed-public-hint', text: t('bodies.calendar_hint') }),
    b.feed && b.feed_public ? [
      h('p', { text: t('bodies.calendar_on') }),
      h('p', { class: 'link-box' }, h('a', { class: 'button secondary', id: 'body-webcal', href: b.feed.webcal_url, text: t('bodies.calendar_subscribe') })),
      h('p', { class: 'link-box' }, h('span', { text: t('bodies.calendar_url') }), h('a', { id: 'body-feed-url', class: 'mono', href: b.feed.url, text: b.feed.url })),
    ] : h('p', { text: t('bodies.calendar_off') }));
}

async function bodyView(id) {
  const b = await get(`/api/v1/bodies/${id}`);
  const pc = b.public_comment;
  const yes = (x) => t(x ? 'common.yes' : 'common.no');
  append(clear(main),
    h('p', { class: 'muted' }, h('a', { href: '#/bodies', text: t('nav.bodies') })),
    h('h1', { tabindex: '-1', text: b.name }), flashBox(), readOnlyNote(),
    h('dl', { class: 'facts' },
      h('dt', { text: t('field.kind') }), h('dd', { text: t(`kind.${b.kind}`) }),
      h('dt', { text: t('field.jurisdiction') }), h('dd', { text: b.jurisdiction || '—' }),
      h('dt', { text: t('field.timezone') }), h('dd', { text: b.timezone }),
      h('dt', { text: t('field.minutes_per_speaker') }), h('dd', { text: String(pc.minutes_per_speaker) }),
      h('dt', { text: t('field.signup_closes_minutes_before') }), h('dd', { text: String(pc.signup_closes_minutes_before) }),
      h('dt', { text: t('field.interpretation_lead_hours') }), h('dd', { text: String(pc.interpretation_lead_hours) }),
      h('dt', { text: t('field.remote_allowed') }), h('dd', { text: yes(pc.remote_allowed) }),
      OPTIONAL_RULES.flatMap(([name]) => [h('dt', { text: t(`field.${name}`) }), h('dd', { text: pc[name] == null ? '—' : String(pc[name]) })])),
    bodyCalendarPanel(b),
    canWrite() ? h('section', { class: 'panel', 'aria-labelledby': 'edit-body-h' },
      h('h2', { id: 'edit-body-h', text: t('bodies.edit') }),
      h('p', { class: 'hint', text: t('bodies.edit_hint') }),
      bodyForm(b)) : null);
}

// -- meetings --------------------------------------------------------------------

function meetingForm(bodies, meeting) {
  const tz = meeting ? meeting.timezone : (bodies[0] && bodies[0].timezone) || state.session.group.timezone;
  const form = h('form', { id: meeting ? 'edit-meeting' : 'new-meeting' },
    meeting ? null : field(t('field.body'), h('select', { name: 'body_id', required: true }, bodies.map((b) => option(String(b.id), b.name)))),
    field(t('field.title'), h('input', { type: 'text', name: 'title', required: true, value: meeting ? meeting.title : '' })),
    field(t('field.starts_at'), h('input', { type: 'datetime-local', name: 'starts_at', required: true,
      value: meeting ? isoToWall(meeting.starts_at, tz) : '' }), t('meetings.zone_hint', { zone: tz })),
    field(t('field.ends_at'), h('input', { type: 'datetime-local', name: 'ends_at', required: true,
      value: meeting ? isoToWall(meeting.ends_at, tz) : '' })),
    field(t('field.location'), h('input', { type: 'text', name: 'location', value: meeting ? meeting.location : '' })),
    field(t('field.status'), h('select', { name: 'status' }, ['confirmed', 'tentative', 'postponed'].map((s) =>
      option(s, t(`meeting_status.${s}`), meeting && meeting.status === s)))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t(meeting ? 'common.save' : 'meetings.add') })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    const zone = meeting ? meeting.timezone : (bodies.find((b) => String(b.id) === v.body_id) || {}).timezone || tz;
    const body = { title: v.title, starts_at: wallToIso(v.starts_at, zone), ends_at: wallToIso(v.ends_at, zone),
      location: v.location, status: v.status };
    if (!body.starts_at || !body.ends_at) { flash('bad', t('meetings.need_times')); route(); return; }
    if (meeting) attempt(() => patch(`/api/v1/meetings/${meeting.id}`, body), t('common.saved'));
    else {
      body.body_id = Number(v.body_id);
      attempt(async () => {
        const m = await post('/api/v1/meetings', body);
        return { navigate: `#/meetings/${m.id}` };
      }, t('meetings.added'));
    }
  });
  return form;
}

async function meetingsView() {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const [meetings, bodies] = await Promise.all([get(`/api/v1/meetings?from=${encodeURIComponent(now)}&limit=100`), get('/api/v1/bodies')]);
  const bodyName = new Map(bodies.items.map((b) => [b.id, b.name]));
  page('meetings.title',
    meetings.items.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['field.title', 'field.body', 'meeting.when', 'field.status'].map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, meetings.items.map((m) => h('tr', {},
        h('td', {}, h('a', { href: `#/meetings/${m.id}`, text: m.title })), h('td', { text: bodyName.get(m.body_id) || '' }),
        h('td', { text: formatShort(m.starts_at, m.timezone) }), h('td', {}, badge(m.status, t(`meeting_status.${m.status}`))))))))
      : h('p', { text: t('meetings.none') }),
    canWrite() ? h('section', { class: 'panel', 'aria-labelledby': 'add-meeting' }, h('h2', { id: 'add-meeting', text: t('meetings.add') }),
      bodies.items.length ? meetingForm(bodies.items) : h('p', {}, t('meetings.need_body'), ' ', h('a', { href: '#/bodies', text: t('nav.bodies') }))) : null);
}

const volunteerCache = new Map();
async function volunteerName(id) {
  if (id == null) return t('board.erased');
  if (!volunteerCache.has(id)) {
    volunteerCache.set(id, get(`/api/v1/volunteers/${id}`).then((v) => v.name, () => t('board.erased')));
  }
  return volunteerCache.get(id);
}

function signupPanel(m) {
  if (!m.signup_url) {
    return h('section', { class: 'panel', 'aria-labelledby': 'signup-h' },
      h('h2', { id: 'signup-h', text: t('signup_admin.title') }),
      h('p', { text: t('signup_admin.off') }),
      canWrite() ? h('button', { type: 'button', id: 'signup-on', text: t('signup_admin.turn_on'),
        onclick: () => attempt(() => post(`/api/v1/meetings/${m.id}/signup-link`), t('signup_admin.now_on')) }) : null);
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'signup-h' },
    h('h2', { id: 'signup-h', text: t('signup_admin.title') }),
    h('p', { text: t('signup_admin.on') }),
    h('p', { class: 'link-box' }, h('a', { href: m.signup_url, id: 'signup-link', class: 'mono', text: m.signup_url })),
    h('img', { class: 'qr', src: `/api/v1/meetings/${m.id}/signup-qr.svg?v=${encodeURIComponent(m.updated_at)}`, alt: t('signup_admin.qr_alt') }),
    canWrite() && h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', text: t('signup_admin.rotate'),
        onclick: () => attempt(() => post(`/api/v1/meetings/${m.id}/signup-link`), t('signup_admin.rotated')) }),
      h('button', { type: 'button', class: 'secondary', id: 'signup-off', text: t('signup_admin.turn_off'),
        onclick: () => attempt(() => del(`/api/v1/meetings/${m.id}/signup-link`), t('signup_admin.now_off')) })));
}

function assignBox(slot, m) {
  const id = `find-${slot.id}`;
  const results = h('ul', { class: 'results', 'aria-live': 'polite' });
  const input = h('input', { type: 'search', id, autocomplete: 'off', class: 'find-volunteer' });
  let timer = null;
  const search = async () => {
    const q = input.value.trim();
    clear(results);
    if (!q) return;
    const found = await get(`/api/v1/volunteers?q=${encodeURIComponent(q)}&limit=8`);
    clear(results);
    if (!found.items.length) results.append(h('li', { class: 'muted', text: t('board.nobody') }));
    for (const v of found.items) {
      const tags = v.tags.length ? ` (${v.tags.join(', ')})` : '';
      results.append(h('li', {}, h('button', { type: 'button', class: 'small secondary',
        text: t('board.assign_name', { name: `${v.name}${tags}` }), onclick: () => assign(slot, v, false) })));
    }
  };
  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 200); });
  return h('div', { class: 'assign' }, h('label', { for: id, text: t('board.find') }), input, results);
}

async function assign(slot, v, force) {
  try {
    await post(`/api/v1/slots/${slot.id}/assignments`, { volunteer_id: v.id, force });
    flash('ok', t('board.assigned', { name: v.name }));
    await route();
  } catch (err) {
    if (err.code === 'conflict' && !force && /overlap|same time|another slot/i.test(err.message || '')) {
      flash('warn', `${errorText(err)} ${t('board.force_hint')}`);
      await route();
      const again = h('button', { type: 'button', class: 'danger', text: t('board.force', { name: v.name }), onclick: () => assign(slot, v, true) });
      document.getElementById('flash').append(' ', again);
      return;
    }
    flash('bad', errorText(err));
    await route();
  }
}

async function holderRow(a, m) {
  const name = await volunteerName(a.volunteer_id);
  const statusId = `st-${a.id}`;
  const outcomeId = `oc-${a.id}`;
  // Each menu names its person, so a screen reader on a long board knows whose it is.
  const statusSelect = h('select', { id: statusId, 'aria-label': t('board.status_of', { name }) }, ASSIGNMENT_STATUSES.map((s) => option(s, t(`status.${s}`), a.status === s)));
  statusSelect.addEventListener('change', () => attempt(() => patch(`/api/v1/assignments/${a.id}`, { status: statusSelect.value }), t('common.saved')));
  const outcomeSelect = h('select', { id: outcomeId, 'aria-label': t('board.outcome_of', { name }) }, option('', t('board.no_outcome'), !a.outcome),
    OUTCOMES.map((o) => option(o, t(`outcome.${o}`), a.outcome === o)));
  outcomeSelect.addEventListener('change', () => attempt(() => patch(`/api/v1/assignments/${a.id}`, { outcome: outcomeSelect.value }), t('common.saved')));
  const past = new Date(m.starts_at).getTime() < Date.now();
  return h('li', { 'data-assignment': String(a.id) },
    h('span', { class: 'who', text: name }),
    badge(a.status, t(`status.${a.status}`)),
    a.needs_interpreter ? badge('warn', t('board.needs_interpreter', { language: a.needs_interpreter })) : null,
    a.forced ? badge('warn', t('board.forced')) : null,
    canWrite() ? [h('label', { for: statusId, class: 'visually-plain', text: t('field.status') }), statusSelect] : null,
    canWrite() && (past || a.outcome) ? [h('label', { for: outcomeId, text: t('field.outcome') }), outcomeSelect] : null,
    !canWrite() && a.outcome ? badge('', t(`outcome.${a.outcome}`)) : null);
}

// Up and down within the slot's agenda item: renumber that group 1..n.
async function moveSlot(ordered, slot, step) {
  const group = ordered.filter((s) => (s.agenda_item_id ?? null) === (slot.agenda_item_id ?? null));
  const i = group.indexOf(slot);
  const j = i + step;
  if (i < 0 || j < 0 || j >= group.length) return;
  [group[i], group[j]] = [group[j], group[i]];
  for (const [k, s] of group.entries()) {
    if (s.order !== k + 1) await patch(`/api/v1/slots/${s.id}`, { order: k + 1 });
  }
}

function moveButtons(ordered, slot) {
  const group = ordered.filter((s) => (s.agenda_item_id ?? null) === (slot.agenda_item_id ?? null));
  if (group.length < 2) return null;
  const i = group.indexOf(slot);
  const name = `${ordered.indexOf(slot) + 1}. ${roleName(slot.role)}`;
  return h('span', { class: 'move' },
    i > 0 ? h('button', { type: 'button', class: 'small secondary', text: t('board.move_up'), 'aria-label': t('board.move_up_named', { slot: name }),
      onclick: () => attempt(() => moveSlot(ordered, slot, -1), t('board.moved')) }) : null,
    i < group.length - 1 ? h('button', { type: 'button', class: 'small secondary', text: t('board.move_down'), 'aria-label': t('board.move_down_named', { slot: name }),
      onclick: () => attempt(() => moveSlot(ordered, slot, 1), t('board.moved')) }) : null);
}

async function slotCard(slot, m, items, ordered) {
  const holders = (await get(`/api/v1/slots/${slot.id}/assignments`)).items;
  const item = items.find((i) => i.id === slot.agenda_item_id);
  const open = slot.capacity - slot.taken;
  const rows = await Promise.all(holders.map((a) => holderRow(a, m)));
  return h('li', { class: `slot${open > 0 ? ' unfilled' : ''}`, 'data-slot': String(slot.id) },
    h('div', { class: 'slot-head' },
      // The place in the speaking order, counted over the whole board.
      h('h3', { text: `${ordered.indexOf(slot) + 1}. ${roleName(slot.role)}` }),
      item ? h('span', { text: `${item.number ? `${item.number}: ` : ''}${item.title}` }) : null,
      h('span', { class: 'muted', text: [slot.minutes ? t('board.minutes', { n: slot.minutes }) : null, t(`mode.${slot.mode}`),
        slot.language || null].filter(Boolean).join(' · ') }),
      badge(open > 0 ? 'pending' : 'confirmed', t('board.places_open', { open, capacity: slot.capacity })),
      m.status !== 'cancelled' && canWrite() ? moveButtons(ordered, slot) : null),
    rows.length ? h('ul', { class: 'holders' }, rows) : h('p', { class: 'muted', text: t('board.empty') }),
    m.status !== 'cancelled' && canWrite() ? assignBox(slot, m) : null);
}

async function meetingView(id) {
  const m = await get(`/api/v1/meetings/${id}`);
  const [items, slots, bodies] = await Promise.all([get(`/api/v1/meetings/${id}/agenda-items`), get(`/api/v1/meetings/${id}/slots`), get('/api/v1/bodies')]);
  const body = bodies.items.find((b) => b.id === m.body_id);
  // Speaking order: by agenda item (as listed), then the slot's own order.
  const itemIndex = new Map(items.items.map((i, n) => [i.id, n]));
  const ordered = [...slots.items].sort((a, b) => (itemIndex.get(a.agenda_item_id) ?? 1e9) - (itemIndex.get(b.agenda_item_id) ?? 1e9) || a.order - b.order || a.id - b.id);
  const cards = await Promise.all(ordered.map((s) => slotCard(s, m, items.items, ordered)));

  const itemForm = h('form', { id: 'new-item', class: 'inline' },
    field(t('field.number'), h('input', { type: 'text', name: 'number', size: '8' })),
    field(t('field.title'), h('input', { type: 'text', name: 'title', required: true })),
    field(t('field.stance'), h('select', { name: 'stance' }, STANCES.map((s) => option(s, t(`stance.${s}`))))),
    h('button', { type: 'submit', text: t('agenda.add') }));
  itemForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(itemForm);
    attempt(() => post(`/api/v1/meetings/${id}/agenda-items`, { number: v.number, title: v.title, stance: v.stance }), t('agenda.added'));
  });

  const slotForm = h('form', { id: 'new-slot', class: 'inline' },
    field(t('field.role'), h('select', { name: 'role' }, ROLES.map((r) => option(r, roleName(r))))),
    field(t('field.agenda_item'), h('select', { name: 'agenda_item_id' }, option('', t('board.no_item')),
      items.items.map((i) => option(String(i.id), `${i.number ? `${i.number}: ` : ''}${i.title}`)))),
    field(t('field.minutes'), h('input', { type: 'number', name: 'minutes', min: '0', value: String(body ? body.public_comment.minutes_per_speaker : 2) })),
    field(t('field.capacity'), h('input', { type: 'number', name: 'capacity', min: '1', value: '1' })),
    field(t('field.order'), h('input', { type: 'number', name: 'order', value: String(slots.items.length + 1) })),
    field(t('field.mode'), h('select', { name: 'mode' }, MODES.map((x) => option(x, t(`mode.${x}`))))),
    field(t('field.language'), h('input', { type: 'text', name: 'language', size: '4' })),
    h('button', { type: 'submit', text: t('board.add_slot') }));
  slotForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(slotForm);
    const b = { role: v.role, minutes: Number(v.minutes), capacity: Number(v.capacity), order: Number(v.order), mode: v.mode };
    if (v.language) b.language = v.language;
    if (v.agenda_item_id) b.agenda_item_id = Number(v.agenda_item_id);
    attempt(() => post(`/api/v1/meetings/${id}/slots`, b), t('board.slot_added'));
  });

  let cancelBox;
  if (m.status !== 'cancelled') {
    const confirmRow = h('div', { class: 'actions', hidden: true },
      h('span', { text: t('meeting.cancel_sure') }),
      h('button', { type: 'button', class: 'danger', id: 'cancel-yes', text: t('meeting.cancel_yes'),
        onclick: () => attempt(() => patch(`/api/v1/meetings/${id}`, { status: 'cancelled' }), t('meeting.cancelled')) }));
    cancelBox = h('div', {}, h('button', { type: 'button', class: 'danger', id: 'cancel-meeting', text: t('meeting.cancel'),
      onclick: (e) => { confirmRow.hidden = false; e.currentTarget.hidden = true; confirmRow.querySelector('button').focus(); } }), confirmRow);
  } else {
    cancelBox = h('p', { class: 'notice bad', text: t('meeting.is_cancelled') });
  }

  append(clear(main),
    h('p', { class: 'muted' }, h('a', { href: '#/meetings', text: t('nav.meetings') }), ' › ',
      body ? h('a', { href: `#/bodies/${body.id}`, text: body.name }) : ''),
    h('h1', { tabindex: '-1', text: m.title }), flashBox(), readOnlyNote(),
    h('dl', { class: 'facts' },
      h('dt', { text: t('meeting.when') }), h('dd', {}, formatDateTime(m.starts_at, m.timezone), ' – ', formatTime(m.ends_at, m.timezone)),
      h('dt', { text: t('meeting.where') }), h('dd', { text: m.location || t('meeting.where_unknown') }),
      h('dt', { text: t('field.status') }), h('dd', {}, badge(m.status, t(`meeting_status.${m.status}`)))),
    h('section', { 'aria-labelledby': 'board-h' },
      h('h2', { id: 'board-h', text: t('board.title') }),
      cards.length ? h('ol', { class: 'board', id: 'board' }, cards) : h('p', { text: t('board.no_slots') }),
      canWrite() && h('details', {}, h('summary', { text: t('board.add_slot') }), slotForm)),
    h('section', { 'aria-labelledby': 'agenda-h' },
      h('h2', { id: 'agenda-h', text: t('agenda.title') }),
      items.items.length ? h('ul', {}, items.items.map((i) => h('li', {}, h('strong', { text: `${i.number ? `${i.number}: ` : ''}${i.title}` }), ' ',
        badge(i.stance === 'support' ? 'confirmed' : i.stance === 'oppose' ? 'cancelled' : '', t(`stance.${i.stance}`)))))
        : h('p', { text: t('agenda.none') }),
      canWrite() && h('details', {}, h('summary', { text: t('agenda.add') }), itemForm)),
    signupPanel(m),
    canWrite() ? h('section', { class: 'panel', 'aria-labelledby': 'edit-h' },
      h('h2', { id: 'edit-h', text: t('meeting.edit') }),
      h('p', { class: 'hint', text: t('meeting.move_hint') }),
      meetingForm(bodies.items, m), cancelBox) : m.status === 'cancelled' && cancelBox);
}

// -- outbox, plugins, settings ---------------------------------------------------------

async function outboxView(params) {
  const status = params.get('status') || '';
  const list = await get(`/api/v1/outbox?limit=200${status ? `&status=${encodeURIComponent(status)}` : ''}`);
  const filter = h('select', { id: 'outbox-status' }, option('', t('outbox.all'), !status),
    ['pending', 'sending', 'sent', 'delivered', 'failed', 'cancelled', 'suppressed'].map((s) => option(s, t(`outbox_status.${s}`), s === status)));
  filter.addEventListener('change', () => { location.hash = filter.value ? `#/outbox?status=${filter.value}` : '#/outbox'; });
  page('outbox.title',
    h('p', { text: t('outbox.intro') }),
    h('div', { class: 'inline' }, h('label', { for: 'outbox-status', text: t('field.status') }), filter),
    list.items.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'outbox' },
      h('thead', {}, h('tr', {}, ['outbox.due', 'outbox.to', 'outbox.kind', 'outbox.channel', 'field.status', 'outbox.attempts', 'outbox.message', 'outbox.error']
        .map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, list.items.map((o) => h('tr', { 'data-volunteer': o.volunteer_id == null ? '' : String(o.volunteer_id) },
        h('td', { text: formatShort(o.due_at, state.session.group.timezone) }),
        h('td', { text: o.to_name || t('board.erased') }),
        h('td', { text: o.kind ? (has(`message_kind.${o.kind}`) ? t(`message_kind.${o.kind}`) : o.kind) : '' }),
        h('td', { text: has(`channel.${o.channel}`) ? t(`channel.${o.channel}`) : o.channel }),
        h('td', {}, badge(o.status, t(`outbox_status.${o.status}`))), h('td', { text: String(o.attempts) }),
        // An email is kept whole (MIME, as it is sent again on a retry): its subject says what it is.
        h('td', { text: o.subject || o.body }), h('td', { text: o.last_error }))))))
      : h('p', { id: 'outbox-empty', text: t('outbox.empty') }));
}

async function pluginsView() {
  const list = await get('/api/v1/plugins');
  page('plugins.title',
    h('p', { text: t('plugins.intro') }),
    list.items.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('thead', {}, h('tr', {}, ['field.name', 'plugins.version', 'field.status', 'plugins.capabilities', 'plugins.reason']
        .map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, list.items.map((p) => h('tr', {}, h('td', {}, h('strong', { text: p.name }), h('br'), h('span', { class: 'muted', text: p.description })),
        h('td', { text: p.version }), h('td', {}, badge(p.state, has(`plugin_state.${p.state}`) ? t(`plugin_state.${p.state}`) : p.state)),
        h('td', { text: (p.capabilities || []).join(', ') }), h('td', { text: p.reason || '' }))))))
      : h('p', { text: t('plugins.none') }));
}

const GROUP_LANGUAGES = ['en', 'es'];
const languageName = (code) => (has(`language.${code}`) ? t(`language.${code}`) : code);

// The group's own settings: a form for coordinators, the facts for viewers.
function groupPanel(g) {
  const languagesText = h('p', { class: 'hint', id: 'group-language-hint', text: t('settings.languages_text') });
  if (!canWrite()) {
    return h('section', { class: 'panel', 'aria-labelledby': 'group-h' }, h('h2', { id: 'group-h', text: t('settings.group') }),
      h('dl', { class: 'facts' }, h('dt', { text: t('field.name') }), h('dd', { text: g.name }),
        h('dt', { text: t('field.timezone') }), h('dd', { text: g.timezone }),
        h('dt', { text: t('settings.language') }), h('dd', { text: languageName(g.language) })),
      languagesText);
  }
  const select = h('select', { name: 'language', 'aria-describedby': 'group-language-use group-language-hint' },
    // A language set outside the app (e.g. es-MX by the CLI) stays shown until changed.
    GROUP_LANGUAGES.includes(g.language) ? null : option(g.language, g.language, true),
    GROUP_LANGUAGES.map((l) => option(l, languageName(l), g.language === l)));
  const form = h('form', { id: 'group-settings' },
    field(t('field.name'), h('input', { type: 'text', name: 'name', required: true, maxlength: '200', value: g.name })),
    field(t('field.timezone'), h('input', { type: 'text', name: 'timezone', required: true, value: g.timezone }), t('settings.timezone_hint')),
    h('fieldset', {}, h('legend', { text: t('settings.languages') }),
      field(t('settings.language'), select), h('p', { class: 'hint', id: 'group-language-use', text: t('settings.language_hint') }), languagesText),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('settings.save_group') })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    const sent = { name: v.name, timezone: v.timezone.trim() };
    if (v.language !== g.language) sent.language = v.language;
    attempt(async () => {
      const saved = await patch('/api/v1/groups/current', sent);
      // Forms elsewhere (a new body's zone, the outbox's times) read the session's group.
      if (state.session.group) Object.assign(state.session.group, { name: saved.name, timezone: saved.timezone, language: saved.language });
    }, t('common.saved'));
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'group-h' }, h('h2', { id: 'group-h', text: t('settings.group') }), form);
}

// The group's own words for answering a text, beside the standard ones.
const REPLY_ACTIONS = ['opt_out', 'opt_in', 'help', 'confirm', 'decline'];
function replyWordsPanel(g) {
  const words = g.reply_words || {};
  const shown = (action) => (words[action] || []).join(', ');
  const heading = h('h2', { id: 'words-h', text: t('settings.reply_words') });
  const intro = h('p', { text: t('settings.reply_words_text') });
  if (!canWrite()) {
    return h('section', { class: 'panel', 'aria-labelledby': 'words-h' }, heading, intro,
      h('dl', { class: 'facts' }, REPLY_ACTIONS.flatMap((a) => [h('dt', { text: t(`reply_action.${a}`) }), h('dd', { text: shown(a) || '—' })])));
  }
  const form = h('form', { id: 'reply-words' },
    REPLY_ACTIONS.map((a) => field(t(`reply_action.${a}`), h('input', { type: 'text', name: a, value: shown(a), autocapitalize: 'characters' }),
      t(`reply_action.${a}_standard`))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('settings.save_reply_words') })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    const sent = {};
    for (const a of REPLY_ACTIONS) sent[a] = String(v[a] || '').split(/[,\s]+/).filter(Boolean);
    attempt(() => put('/api/v1/groups/current/reply-words', sent), t('common.saved'));
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'words-h' }, heading, intro, form);
}

function remindersPanel(g) {
  const offsets = g.reminders.map((r) => r.offset_minutes);
  const channels = [...new Set(g.reminders.map((r) => r.channel))];
  const shownHours = [...new Set(offsets)].map((m) => m / 60).join(', ');
  if (!canWrite()) {
    return h('section', { class: 'panel', 'aria-labelledby': 'rem-h' }, h('h2', { id: 'rem-h', text: t('settings.reminders') }),
      h('dl', { class: 'facts' }, h('dt', { text: t('settings.offsets') }), h('dd', { text: shownHours || '—' }),
        h('dt', { text: t('settings.channels') }), h('dd', { text: channels.map((c) => t(`channel.${c}`)).join(', ') || '—' })));
  }
  const form = h('form', { id: 'reminders' },
    field(t('settings.offsets'), h('input', { type: 'text', name: 'offsets', value: shownHours }), t('settings.offsets_hint')),
    h('fieldset', {}, h('legend', { text: t('settings.channels') }),
      ['sms', 'email'].map((c) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: `ch_${c}`, checked: channels.includes(c) || !channels.length }),
        h('span', { text: t(`channel.${c}`) })))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t('common.save') })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    const hours = v.offsets.split(/[,\s]+/).filter(Boolean).map(Number);
    if (hours.some((x) => !Number.isFinite(x) || x <= 0)) { flash('bad', t('settings.offsets_bad')); route(); return; }
    const chosen = ['sms', 'email'].filter((c) => v[`ch_${c}`]);
    attempt(() => put('/api/v1/groups/current/reminders', { offsets_minutes: hours.map((x) => Math.round(x * 60)), channels: chosen }), t('common.saved'));
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'rem-h' }, h('h2', { id: 'rem-h', text: t('settings.reminders') }), form);
}

async function settingsView(params) {
  const g = await get('/api/v1/groups/current');
  page('settings.title',
    groupPanel(g),
    remindersPanel(g),
    replyWordsPanel(g),
    await templatesPanel(params, { attempt, flash, route, canWrite: canWrite(), timezone: g.timezone }));
}

// -- routing ---------------------------------------------------------------------

const ROUTES = [
  [/^\/$/, 'dashboard', () => dashboard()],
  [/^\/meetings$/, 'meetings', () => meetingsView()],
  [/^\/meetings\/(\d+)$/, 'meetings', (m) => meetingView(m[1])],
  [/^\/bodies$/, 'bodies', () => bodiesView()],
  [/^\/bodies\/(\d+)$/, 'bodies', (m) => bodyView(m[1])],
  [/^\/volunteers$/, 'volunteers', (m, params) => volunteersView(params)],
  [/^\/outbox$/, 'outbox', (m, params) => outboxView(params)],
  [/^\/plugins$/, 'plugins', () => pluginsView()],
  [/^\/settings$/, 'settings', (m, params) => settingsView(params)],
];

let lastPath = null;
// Draws run one after another, so a slow draw can never finish after (and
// over) a newer one: the page always shows the last place asked for.
let drawing = Promise.resolve();
export function route() {
  drawing = drawing.then(draw, draw);
  return drawing;
}

async function draw() {
  if (!state.session) return renderSignIn();
  nav.hidden = false;
  signOutButton.hidden = false;
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const found = ROUTES.find(([rx]) => rx.test(path));
  for (const a of nav.querySelectorAll('a')) {
    if (found && a.dataset.route === found[1]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  try {
    if (!found) page('app.not_found');
    else await found[2](path.match(found[0]), params);
  } catch (err) {
    if (err instanceof ApiError && err.code === 'unauthorized') return signedOut();
    page('app.error', h('p', { class: 'notice bad', role: 'alert', text: errorText(err) }));
  }
  const title = main.querySelector('h1');
  if (title) document.title = `${title.textContent} — Turnout`;
  // A new page moves focus to its heading; a redraw after an action keeps it near.
  if (path !== lastPath && title) title.focus();
  lastPath = path;
}
export const session = () => state.session;

async function start() {
  await setLanguage(preferredLanguage());
  languageSwitch(document.getElementById('language'));
  onLanguageChange(() => route());
  try {
    const s = await get('/api/v1/session');
    setCsrf(s.csrf_token);
    state.session = s;
  } catch (err) {
    state.session = null;
  }
  window.addEventListener('hashchange', () => route());
  await route();
}

start();

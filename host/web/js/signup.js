// The public sign-up page, /signup/{token}: a person at a rally, on a
// phone, picks how they will help, gives a name and a phone number, and
// leaves with their calendar link and their own private page.
import { h, clear, field, option, formValues, restoreValues } from './dom.js';
import { get, post } from './api.js';
import { t, setLanguage, preferredLanguage, languageSwitch, onLanguageChange, formatDateTime, formatTime, errorText, language } from './i18n.js';
import { tokenFromPath, roleName, stanceText, languageName, calendarBlock } from './public.js';

const main = document.getElementById('main');
const token = tokenFromPath();
const state = { page: null, error: null, result: null, values: null };

function meetingFacts(m) {
  return h('dl', { class: 'facts' },
    h('dt', { text: t('meeting.when') }),
    h('dd', {}, formatDateTime(m.starts_at, m.timezone), ' – ', formatTime(m.ends_at, m.timezone)),
    h('dt', { text: t('meeting.where') }), h('dd', { text: m.location || t('meeting.where_unknown') }),
    m.remote_allowed ? [h('dt', { text: t('meeting.remote') }), h('dd', { text: t('meeting.remote_allowed') })] : null);
}

function slotChoice(slot, items) {
  const item = items.find((i) => i.id === slot.agenda_item_id);
  const full = slot.places_left <= 0;
  const id = `slot-${slot.id}`;
  const details = [];
  if (slot.minutes) details.push(t('signup.minutes', { n: slot.minutes }));
  details.push(t(`mode.${slot.mode}`));
  if (slot.language) details.push(languageName(slot.language));
  return h('li', {},
    h('label', { class: 'choice', for: id },
      h('input', { type: 'radio', name: 'slot_id', id, value: String(slot.id), disabled: full, required: true }),
      h('span', {},
        h('strong', { text: roleName(slot.role) }),
        item ? h('span', { class: 'line muted', text: `${item.number ? `${item.number}: ` : ''}${item.title}` }) : null,
        h('span', { class: 'line hint', text: details.join(' · ') }),
        h('span', { class: full ? 'badge cancelled' : 'badge open',
          text: full ? t('signup.full') : t('signup.places_left', { n: slot.places_left }) }))));
}

function renderForm() {
  const { meeting, signup, agenda_items: items, slots } = state.page;
  const alert = h('div', { class: 'notice bad', role: 'alert', id: 'form-error' });
  if (state.error) alert.textContent = state.error;
  const open = signup.state === 'open';
  const children = [
    h('p', { class: 'muted', text: meeting.body }),
    h('h1', { text: meeting.title }),
    meetingFacts(meeting),
  ];
  if (items.length) {
    children.push(h('section', { 'aria-labelledby': 'about' },
      h('h2', { id: 'about', text: t('signup.about') }),
      h('ul', {}, items.map((i) => h('li', {},
        h('strong', { text: `${i.number ? `${i.number}: ` : ''}${i.title}` }), ' — ', stanceText(i.stance))))));
  }
  if (!open) {
    children.push(h('p', { class: 'notice warn', role: 'status', text: t(`signup.state.${signup.state}`) }));
    clear(main).append(...children);
    return;
  }
  if (signup.closes_at)
    children.push(h('p', { class: 'hint', text: t('signup.closes', { when: formatDateTime(signup.closes_at, meeting.timezone) }) }));

  const form = h('form', { novalidate: true, id: 'signup-form' },
    h('fieldset', {},
      h('legend', { text: t('signup.choose') }),
      h('ul', { class: 'choices' }, slots.map((s) => slotChoice(s, items)))),
    h('fieldset', {},
      h('legend', { text: t('signup.about_you') }),
      field(t('field.name'), h('input', { type: 'text', name: 'name', autocomplete: 'name', required: true })),
      field(t('field.phone'), h('input', { type: 'tel', name: 'phone', autocomplete: 'tel', required: true }), t('signup.phone_hint')),
      field(t('signup.email_optional'), h('input', { type: 'email', name: 'email', autocomplete: 'email' })),
      field(t('signup.interpreter'), h('select', { name: 'needs_interpreter' },
        option('', t('signup.interpreter_none')),
        option('es', t('language.es')),
        option('en', t('language.en'))))),
    h('fieldset', {},
      h('legend', { text: t('signup.consent_title') }),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'sms_opt_in' }), h('span', { text: t('signup.consent_sms') })),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'email_opt_in' }), h('span', { text: t('signup.consent_email') })),
      h('p', { class: 'hint', text: t('signup.consent_note') })),
    alert,
    h('div', { class: 'actions' }, h('button', { type: 'submit', id: 'signup-submit', text: t('signup.submit') })));
  form.addEventListener('submit', submit);
  // An old complaint goes once the person changes something.
  form.addEventListener('change', () => { alert.textContent = ''; state.error = null; });
  children.push(form);
  clear(main).append(...children);
  if (state.values) restoreValues(form, state.values);
}

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const v = formValues(form);
  state.values = v;
  const alert = form.querySelector('#form-error');
  const fail = (text, name) => {
    alert.textContent = text;
    const el = name && form.querySelector(`[name="${name}"]`);
    if (el) { el.setAttribute('aria-invalid', 'true'); el.focus(); } else alert.focus?.();
  };
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  if (!v.slot_id) return fail(t('signup.missing_slot'), 'slot_id');
  if (!v.name.trim()) return fail(t('signup.missing_name'), 'name');
  if (!v.phone.trim()) return fail(t('signup.missing_phone'), 'phone');
  const body = {
    slot_id: Number(v.slot_id), name: v.name.trim(), phone: v.phone.trim(), language: language(),
    sms_opt_in: v.sms_opt_in, email_opt_in: v.email_opt_in && Boolean(v.email.trim()),
  };
  if (v.email.trim()) body.email = v.email.trim();
  if (v.needs_interpreter) body.needs_interpreter = v.needs_interpreter;
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    state.result = await post(`/api/v1/public/signup/${encodeURIComponent(token)}`, body);
    state.values = null;
    renderDone();
  } catch (err) {
    button.disabled = false;
    fail(errorText(err), err.field);
    if (['full', 'closed'].includes(err.code)) refresh();
  }
}

async function refresh() {
  try {
    state.page = await get(`/api/v1/public/signup/${encodeURIComponent(token)}`);
  } catch (e) { /* keep what is shown */ }
}

function renderDone() {
  const r = state.result;
  const slot = state.page.slots.find((s) => s.id === r.assignment.slot_id);
  const children = [
    h('h1', { tabindex: '-1', id: 'done-title', text: t('signup.done_title') }),
    h('p', { class: 'notice ok', role: 'status', text: t('signup.done_text', { role: slot ? roleName(slot.role) : '' }) }),
    h('h2', { text: r.meeting.title }),
    h('dl', { class: 'facts' },
      h('dt', { text: t('meeting.when') }), h('dd', { text: formatDateTime(r.meeting.starts_at, r.meeting.timezone) }),
      h('dt', { text: t('meeting.where') }), h('dd', { text: r.meeting.location || t('meeting.where_unknown') })),
    h('p', { text: t('signup.done_confirm') }),
  ];
  if (r.links) {
    children.push(calendarBlock(r.links.feed));
    children.push(h('section', { class: 'panel', 'aria-labelledby': 'private-title' },
      h('h2', { id: 'private-title', text: t('signup.private_title') }),
      h('p', { text: t('signup.private_text') }),
      h('p', {}, h('a', { href: r.links.manage_url, id: 'manage-link', class: 'big-link', text: t('signup.private_link') }))));
  } else {
    children.push(h('p', { class: 'notice warn', text: t('signup.known_number') }));
  }
  clear(main).append(...children);
  main.querySelector('#done-title').focus();
}

function render() {
  if (state.result) renderDone();
  else if (state.page) renderForm();
}

async function start() {
  await setLanguage(preferredLanguage());
  languageSwitch(document.getElementById('language'));
  onLanguageChange(() => {
    const form = main.querySelector('form');
    if (form) state.values = formValues(form);
    render();
  });
  try {
    state.page = await get(`/api/v1/public/signup/${encodeURIComponent(token)}`);
    render();
  } catch (err) {
    clear(main).append(
      h('h1', { text: t('signup.page_title') }),
      h('p', { class: 'notice bad', role: 'alert', text: err.code === 'not_found' ? t('signup.no_such_link') : errorText(err) }));
  }
}

start();

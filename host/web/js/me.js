// A volunteer's private page, /me/{token}: the link they got when they
// signed up. Confirm or cancel a place, get their calendar link, erase
// their data. No account, no password: the token in the path is the key.
import { h, clear } from './dom.js';
import { get, post, del } from './api.js';
import { t, setLanguage, preferredLanguage, languageSwitch, onLanguageChange, formatDateTime, formatTime, errorText } from './i18n.js';
import { tokenFromPath, roleName, calendarBlock } from './public.js';

const main = document.getElementById('main');
const token = tokenFromPath();
const base = `/api/v1/public/me/${encodeURIComponent(token)}`;
const state = { page: null, feed: null, erased: false, confirmErase: false, confirmCancel: null, message: null };

function placeCard(a) {
  const m = a.meeting;
  const open = !['cancelled', 'declined'].includes(a.status) && m.status !== 'cancelled';
  const buttons = [];
  if (open && a.status === 'invited')
    buttons.push(h('button', { type: 'button', text: t('me.confirm'), onclick: () => act(a, 'confirm') }));
  if (open && state.confirmCancel === a.id) {
    buttons.push(h('span', { text: t('me.cancel_sure') }),
      h('button', { type: 'button', class: 'danger', text: t('me.cancel_yes'), onclick: () => act(a, 'cancel') }),
      h('button', { type: 'button', class: 'secondary', text: t('me.cancel_no'), onclick: () => { state.confirmCancel = null; render(); } }));
  } else if (open) {
    buttons.push(h('button', { type: 'button', class: 'secondary', text: t('me.cancel'),
      onclick: () => { state.confirmCancel = a.id; render(); } }));
  }
  return h('li', { class: 'card' },
    h('h3', { text: m.title }),
    h('p', { class: 'muted', text: m.body }),
    h('dl', { class: 'facts' },
      h('dt', { text: t('meeting.when') }), h('dd', {}, formatDateTime(m.starts_at, m.timezone), ' – ', formatTime(m.ends_at, m.timezone)),
      h('dt', { text: t('meeting.where') }), h('dd', { text: m.location || t('meeting.where_unknown') }),
      h('dt', { text: t('me.role') }), h('dd', { text: roleName(a.slot.role) }),
      a.agenda_item ? [h('dt', { text: t('me.item') }), h('dd', { text: `${a.agenda_item.number ? `${a.agenda_item.number}: ` : ''}${a.agenda_item.title}` })] : null,
      h('dt', { text: t('me.status') }), h('dd', {}, h('span', { class: `badge ${a.status}`, text: t(`status.${a.status}`) }),
        m.status === 'cancelled' ? h('span', { class: 'badge cancelled', text: t('meeting_status.cancelled') }) : null)),
    buttons.length ? h('div', { class: 'actions' }, ...buttons) : null);
}

async function act(a, what) {
  try {
    await post(`${base}/assignments/${a.id}/${what}`);
    state.confirmCancel = null;
    state.message = { kind: 'ok', text: t(what === 'confirm' ? 'me.confirmed' : 'me.cancelled') };
    state.page = await get(base);
  } catch (err) {
    state.message = { kind: 'bad', text: errorText(err) };
  }
  render();
}

async function newFeed() {
  try {
    state.feed = await post(`${base}/feed-token`);
  } catch (err) {
    state.message = { kind: 'bad', text: errorText(err) };
  }
  render();
}

async function erase() {
  try {
    await del(base);
    state.erased = true;
  } catch (err) {
    state.message = { kind: 'bad', text: errorText(err) };
  }
  render();
}

function render() {
  if (state.erased) {
    clear(main).append(h('h1', { text: t('me.erased_title') }), h('p', { class: 'notice ok', role: 'status', text: t('me.erased_text') }));
    return;
  }
  const p = state.page;
  const children = [h('h1', { text: t('me.hello', { name: p.volunteer.name }) })];
  const status = h('div', { class: `notice ${state.message ? state.message.kind : 'ok'}`, role: 'status' });
  if (state.message) status.textContent = state.message.text;
  children.push(status);
  children.push(h('h2', { text: t('me.places') }));
  if (p.assignments.length) children.push(h('ul', { class: 'board' }, p.assignments.map(placeCard)));
  else children.push(h('p', { text: t('me.no_places') }));

  if (state.feed) {
    children.push(calendarBlock(state.feed));
  } else {
    children.push(h('section', { class: 'panel', 'aria-labelledby': 'cal' },
      h('h2', { id: 'cal', text: t('calendar.title') }),
      h('p', { text: t('me.calendar_text') }),
      h('button', { type: 'button', id: 'new-feed', text: t('me.calendar_button'), onclick: newFeed })));
  }

  const eraseBox = h('section', { class: 'panel', 'aria-labelledby': 'erase' },
    h('h2', { id: 'erase', text: t('me.erase_title') }),
    h('p', { text: t('me.erase_text') }));
  if (state.confirmErase) {
    eraseBox.append(h('p', { class: 'notice bad', role: 'alert', text: t('me.erase_warning') }),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'danger', id: 'erase-yes', text: t('me.erase_yes'), onclick: erase }),
        h('button', { type: 'button', class: 'secondary', text: t('common.cancel'), onclick: () => { state.confirmErase = false; render(); } })));
  } else {
    eraseBox.append(h('button', { type: 'button', class: 'danger', id: 'erase', text: t('me.erase_button'),
      onclick: () => { state.confirmErase = true; render(); } }));
  }
  children.push(eraseBox);
  clear(main).append(...children);
}

async function start() {
  let page = null;
  let failure = null;
  try { page = await get(base); } catch (err) { failure = err; }
  await setLanguage(preferredLanguage(page && page.volunteer.language));
  languageSwitch(document.getElementById('language'));
  onLanguageChange(() => { if (state.page) render(); });
  if (failure) {
    clear(main).append(h('h1', { text: t('me.page_title') }),
      h('p', { class: 'notice bad', role: 'alert', text: failure.code === 'not_found' ? t('me.no_such_link') : errorText(failure) }));
    return;
  }
  state.page = page;
  render();
}

start();

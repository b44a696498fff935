// What the public pages (sign-up and a volunteer's own page) share: the
// token from the path, role and stance names, the calendar block.
import { h } from './dom.js';
import { t, has } from './i18n.js';

// The last path segment: /signup/{token} or /me/{token}. It never goes
// anywhere but the API path; the pages send no Referer (Referrer-Policy).
export function tokenFromPath() {
  const parts = location.pathname.split('/').filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] || '');
}

export function roleName(role) {
  return has(`role.${role}`) ? t(`role.${role}`) : role;
}

export function stanceText(stance) {
  return t(`stance.public.${stance}`);
}

export function languageName(code) {
  return has(`language.${code}`) ? t(`language.${code}`) : code;
}

// One-tap subscribe (webcal://) and the steps for Google Calendar's
// "From URL", which takes the https link.
export function calendarBlock(feed) {
  const urlId = 'feed-url';
  const copyStatus = h('span', { role: 'status', class: 'muted' });
  const input = h('input', { type: 'text', id: urlId, readonly: true, value: feed.url, class: 'mono' });
  return h('section', { class: 'panel', 'aria-labelledby': 'calendar-title' },
    h('h2', { id: 'calendar-title', text: t('calendar.title') }),
    h('p', { text: t('calendar.intro') }),
    h('p', {}, h('a', { class: 'button big-link', href: feed.webcal_url, id: 'subscribe', text: t('calendar.subscribe') })),
    h('h3', { text: t('calendar.google_title') }),
    h('ol', { class: 'steps' },
      h('li', { text: t('calendar.google_step1') }),
      h('li', { text: t('calendar.google_step2') }),
      h('li', { text: t('calendar.google_step3') }),
      h('li', { text: t('calendar.google_step4') })),
    h('label', { for: urlId, text: t('calendar.link_label') }),
    h('div', { class: 'link-box' }, input,
      h('button', {
        type: 'button', class: 'secondary small', text: t('common.copy'),
        onclick: async () => {
          input.select();
          try { await navigator.clipboard.writeText(feed.url); copyStatus.textContent = t('common.copied'); }
          catch (e) { copyStatus.textContent = t('common.copy_by_hand'); }
        },
      }), copyStatus),
    h('p', { class: 'hint', text: t('calendar.private') }));
}

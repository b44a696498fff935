// Languages: every string a person reads comes from a message catalog,
// /ui/i18n/{en,es}.json (same keys in both; a test checks). The language is
// the one chosen on the page (kept in localStorage), else the browser's
// (Accept-Language, as navigator.languages), else English.
import { h, clear } from './dom.js';

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Español' },
];
const STORAGE_KEY = 'turnout.language';

let current = 'en';
let catalog = {};
let english = {};
const listeners = [];

export function language() { return current; }

export function preferredLanguage(fallback) {
  let stored = null;
  try { stored = localStorage.getItem(STORAGE_KEY); } catch (e) { stored = null; }
  if (LANGUAGES.some((l) => l.code === stored)) return stored;
  if (fallback && LANGUAGES.some((l) => l.code === fallback)) return fallback;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGUAGES.some((l) => l.code === base)) return base;
  }
  return 'en';
}

async function fetchCatalog(code) {
  const res = await fetch(`/ui/i18n/${code}.json`, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`catalog ${code}: ${res.status}`);
  return res.json();
}

export async function setLanguage(code, { remember = false } = {}) {
  if (!LANGUAGES.some((l) => l.code === code)) code = 'en';
  if (!english.__loaded) english = Object.assign(await fetchCatalog('en'), { __loaded: true });
  catalog = code === 'en' ? english : await fetchCatalog(code);
  current = code;
  document.documentElement.lang = code;
  if (remember) {
    try { localStorage.setItem(STORAGE_KEY, code); } catch (e) { /* private mode: fine */ }
  }
  translateStatic(document);
  for (const fn of listeners) fn(code);
}

export function onLanguageChange(fn) { listeners.push(fn); }

export function has(key) { return key in catalog || key in english; }

// t('signup.places_left', {n: 3})
export function t(key, vars) {
  let text = catalog[key] ?? english[key] ?? key;
  if (vars) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return text;
}

// Elements written in the HTML with a data-i18n attribute naming a key (and
// data-i18n-attr naming attribute:key pairs) get their text from the catalog.
export function translateStatic(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = t(title.dataset.i18n);
}

// The language buttons; the pressed one is the current language.
export function languageSwitch(container) {
  const render = () => {
    clear(container);
    container.classList.add('lang');
    for (const l of LANGUAGES) {
      container.append(h('button', {
        type: 'button', class: 'small secondary', lang: l.code, 'aria-pressed': String(l.code === current),
        onclick: () => setLanguage(l.code, { remember: true }), text: l.name,
      }));
    }
  };
  render();
  onLanguageChange(render);
}

// A date and time in the meeting's zone, written the way the language writes it.
export function formatDateTime(iso, timeZone) {
  if (!iso) return '';
  const d = new Date(iso);
  const opts = { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit',
    timeZoneName: 'short' };
  try {
    return new Intl.DateTimeFormat(current, { ...opts, timeZone }).format(d);
  } catch (e) {
    return new Intl.DateTimeFormat(current, opts).format(d);
  }
}

export function formatShort(iso, timeZone) {
  if (!iso) return '';
  const opts = { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(current, { ...opts, timeZone }).format(new Date(iso));
  } catch (e) {
    return new Intl.DateTimeFormat(current, opts).format(new Date(iso));
  }
}

export function formatTime(iso, timeZone) {
  const opts = { hour: 'numeric', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(current, { ...opts, timeZone }).format(new Date(iso));
  } catch (e) {
    return new Intl.DateTimeFormat(current, opts).format(new Date(iso));
  }
}

// The translated sentence for an API error (its code), never the server's
// English message alone.
export const ERROR_CODES = ['invalid', 'malformed', 'not_found', 'full', 'conflict', 'closed', 'forbidden',
  'unauthorized', 'rate_limited', 'too_large', 'plugin_disabled'];
export function errorText(err) {
  const code = err && err.code;
  let text = ERROR_CODES.includes(code) ? t(`error.${code}`) : t(code === 'network' ? 'error.network' : 'error.internal');
  if (code === 'invalid' && err.field) {
    const key = `field.${err.field}`;
    text += ` ${t('error.field', { field: has(key) ? t(key) : err.field })}`;
  }
  return text;
}

// Settings > Message templates: a group words its own reminders and
// notices. The channels (plugins) say what can be worded, in which
// languages, and which {{names}} a text may use; the API refuses anything
// else with the reason, shown here. The choice lives in the address
// (#/settings?template=sms/reminder/es) so it survives a redraw.
import { h, field, option } from './dom.js';
import { get, put, del } from './api.js';
import { t, has, formatShort } from './i18n.js';

const keyOf = (e) => `${e.channel}/${e.kind}/${e.language}`;
// What was typed and not saved yet, by message: a refused save redraws the
// page, and must not throw the coordinator's text away.
const drafts = new Map();

// The names a text uses ({{name}}, {{#name}}, {{{name}}}, {{a.b}} as a),
// to name a typo before the server refuses it.
export function namesIn(text) {
  const out = [];
  for (const m of text.matchAll(/\{\{(\{?)\s*([#^/&]?)\s*([^}]*?)\s*\}?\}\}/g)) {
    const name = m[3].split('.')[0];
    if (!name || m[3] === '.' || /^[!>=]/.test(m[3])) continue;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
const label = (prefix, value) => (has(`${prefix}.${value}`) ? t(`${prefix}.${value}`) : value);
const entryName = (e) => `${label('message_kind', e.kind)} · ${label('language', e.language)}`;

// The panel; `attempt` runs an API call and redraws. Without `canWrite` it only shows the wording.
export async function templatesPanel(params, { attempt, flash, route, canWrite, timezone }) {
  const list = await get('/api/v1/message-templates');
  if (!list.items.length) {
    return h('section', { class: 'panel', 'aria-labelledby': 'tpl-h' }, h('h2', { id: 'tpl-h', text: t('settings.templates') }),
      h('p', { text: t('templates.none') }));
  }
  const chosenKey = params.get('template');
  const chosen = list.items.find((e) => keyOf(e) === chosenKey) || list.items[0];
  const channels = [...new Set(list.items.map((e) => e.channel))];
  const picker = h('select', { id: 'template-choice' }, channels.map((c) => h('optgroup', { label: label('channel', c) },
    list.items.filter((e) => e.channel === c).map((e) =>
      option(keyOf(e), `${label('channel', e.channel)} · ${entryName(e)}${e.body != null ? ` (${t('templates.yours')})` : ''}`, e === chosen)))));
  picker.addEventListener('change', () => { location.hash = `#/settings?template=${picker.value}`; });

  const key = keyOf(chosen);
  const state = chosen.body != null
    ? t('templates.state_yours', { when: formatShort(chosen.updated_at, timezone) })
    : t('templates.state_default');
  const names = t('templates.names', { names: chosen.variables.map((v) => `{{${v}}}`).join(' ') });
  const head = [h('h2', { id: 'tpl-h', text: t('settings.templates') }), h('p', { text: t('settings.templates_text') }),
    field(t('templates.choose'), picker), h('p', { id: 'template-state', text: state })];
  if (!canWrite) {
    // A viewer reads the wording in use; nothing on the page could change it.
    return h('section', { class: 'panel', 'aria-labelledby': 'tpl-h' }, ...head,
      h('pre', { class: 'template-text', id: 'template-text', 'data-template': key, text: chosen.body != null ? chosen.body : (chosen.default || '') }),
      h('p', { class: 'hint', text: names }));
  }
  const text = h('textarea', { name: 'body', rows: '8', maxlength: '2000', spellcheck: 'true' });
  text.value = drafts.has(key) ? drafts.get(key) : (chosen.body != null ? chosen.body : (chosen.default || ''));
  text.addEventListener('input', () => drafts.set(key, text.value));
  const count = h('p', { class: 'hint', id: 'template-count', 'aria-live': 'polite' });
  const showCount = () => { count.textContent = t('templates.count', { n: [...text.value].length }); };
  text.addEventListener('input', showCount);
  showCount();

  const form = h('form', { id: 'template-edit', 'data-template': key },
    chosen.available ? null : h('p', { class: 'notice bad', text: t('templates.unavailable') }),
    field(t('templates.text'), text, names),
    count,
    h('div', { class: 'actions' },
      chosen.available ? h('button', { type: 'submit', text: t('templates.save') }) : null,
      chosen.body != null ? h('button', { type: 'button', class: 'secondary', id: 'template-reset', text: t('templates.reset') }) : null));
  const path = `/api/v1/message-templates/${encodeURIComponent(chosen.channel)}/${encodeURIComponent(chosen.kind)}/${encodeURIComponent(chosen.language)}`;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const unknown = namesIn(text.value).filter((n) => !chosen.variables.includes(n));
    if (unknown.length) {
      flash('bad', t('templates.unknown', { names: unknown.map((n) => `{{${n}}}`).join(' ') }));
      route();
      return;
    }
    attempt(async () => {
      try {
        await put(path, { body: text.value });
      } catch (err) {
        if (err.code === 'invalid') err.field = 'template_text';  // not the meeting's "body"
        throw err;
      }
      drafts.delete(key);
    }, t('templates.saved'));
  });
  const reset = form.querySelector('#template-reset');
  if (reset) reset.addEventListener('click', () => attempt(async () => { await del(path); drafts.delete(key); }, t('templates.reset_done')));

  return h('section', { class: 'panel', 'aria-labelledby': 'tpl-h' }, ...head, form);
}

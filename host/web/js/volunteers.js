// Volunteers: find by name, tag and language; add, edit, erase for good;
// CSV import with a dry run that names every bad line; CSV export. Search
// terms stay in this page's memory, never in the URL (they are names).
import { h, clear, field, option, formValues } from './dom.js';
import { get, post, patch, del, api } from './api.js';
import { t, has, errorText } from './i18n.js';
import { page, attempt, flash, route, canWrite } from './app.js';

const filters = { q: '', tag: '', language: '' };
const ui = { editing: null, erasing: null, preview: null };

function volunteerForm(v) {
  const form = h('form', { id: v ? 'edit-volunteer' : 'new-volunteer' },
    field(t('field.name'), h('input', { type: 'text', name: 'name', required: true, value: v ? v.name : '' })),
    field(t('field.phone'), h('input', { type: 'tel', name: 'phone', value: v ? v.phone || '' : '' })),
    field(t('field.email'), h('input', { type: 'email', name: 'email', value: v ? v.email || '' : '' })),
    field(t('field.language'), h('select', { name: 'language' }, ['en', 'es'].map((l) => option(l, t(`language.${l}`), v && v.language === l)))),
    field(t('field.tags'), h('input', { type: 'text', name: 'tags', value: v ? v.tags.join(', ') : '' }), t('volunteers.tags_hint')),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'sms_opt_in', checked: v && v.sms_opt_in }), h('span', { text: t('field.sms_opt_in') })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'email_opt_in', checked: v && v.email_opt_in }), h('span', { text: t('field.email_opt_in') })),
    field(t('field.notes'), h('textarea', { name: 'notes', value: v ? v.notes : '' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: t(v ? 'common.save' : 'volunteers.add') }),
      v ? h('button', { type: 'button', class: 'secondary', text: t('common.cancel'), onclick: () => { ui.editing = null; route(); } }) : null));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const f = formValues(form);
    const body = { name: f.name, language: f.language, sms_opt_in: f.sms_opt_in, email_opt_in: f.email_opt_in, notes: f.notes,
      tags: f.tags.split(',').map((x) => x.trim()).filter(Boolean) };
    if (f.phone.trim() || v) body.phone = f.phone.trim();
    if (f.email.trim() || v) body.email = f.email.trim();
    if (v) attempt(async () => { await patch(`/api/v1/volunteers/${v.id}`, body); ui.editing = null; }, t('common.saved'));
    else attempt(() => post('/api/v1/volunteers', body), t('volunteers.added'));
  });
  return form;
}

function eraseBox(v) {
  return h('section', { class: 'panel', role: 'alertdialog', 'aria-labelledby': 'erase-h', 'aria-describedby': 'erase-warning' },
    h('h2', { id: 'erase-h', text: t('volunteers.erase_title', { name: v.name }) }),
    h('p', { class: 'notice bad', id: 'erase-warning', text: t('volunteers.erase_warning') }),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'danger', id: 'erase-yes', text: t('volunteers.erase_yes'),
        onclick: () => attempt(async () => { await del(`/api/v1/volunteers/${v.id}`); ui.erasing = null; }, t('volunteers.erased')) }),
      h('button', { type: 'button', class: 'secondary', text: t('common.cancel'), onclick: () => { ui.erasing = null; route(); } })));
}

async function exportCsv() {
  try {
    const res = await fetch('/api/v1/volunteers/export.csv', { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw Object.assign(new Error('export'), { code: res.status === 401 ? 'unauthorized' : res.status === 403 ? 'forbidden' : 'internal' });
    const blob = await res.blob();
    const a = h('a', { href: URL.createObjectURL(blob), download: 'volunteers.csv' });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  } catch (err) {
    flash('bad', errorText(err));
    route();
  }
}

function importBox() {
  const fileInput = h('input', { type: 'file', id: 'csv-file', accept: '.csv,text/csv' });
  const result = h('div', { 'aria-live': 'polite', id: 'import-result' });
  const check = async (dryRun) => {
    const file = fileInput.files[0];
    if (!file && !ui.preview) return;
    const text = file ? await file.text() : ui.preview.text;
    clear(result);
    try {
      const out = await api('POST', '/api/v1/volunteers/import', { csv: text, dry_run: dryRun });
      if (dryRun) {
        ui.preview = { text, rows: out.valid_rows };
        result.append(h('p', { class: 'notice ok', text: t('import.ready', { n: out.valid_rows }) }),
          h('button', { type: 'button', id: 'import-go', text: t('import.go', { n: out.valid_rows }), onclick: () => check(false) }));
      } else {
        ui.preview = null;
        flash('ok', t('import.done', { n: out.imported }));
        route();
      }
    } catch (err) {
      const problems = (err.body && err.body.problems) || [];
      result.append(h('div', { class: 'notice bad', role: 'alert' }, h('p', { text: t('import.refused') }),
        problems.length ? h('ul', {}, problems.map((p) => h('li', { text: p }))) : h('p', { text: errorText(err) })));
    }
  };
  return h('section', { class: 'panel', 'aria-labelledby': 'import-h' },
    h('h2', { id: 'import-h', text: t('import.title') }),
    h('p', { text: t('import.intro') }),
    h('label', { for: 'csv-file', text: t('import.file') }), fileInput,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', id: 'import-check', text: t('import.check'), onclick: () => check(true) })),
    result);
}

export async function volunteersView() {
  const qs = new URLSearchParams({ limit: '500' });
  if (filters.q) qs.set('q', filters.q);
  if (filters.tag) qs.set('tag', filters.tag);
  const list = await get(`/api/v1/volunteers?${qs}`);
  const shown = list.items.filter((v) => !filters.language || v.language.split('-')[0] === filters.language);
  const filterForm = h('form', { id: 'volunteer-filter', class: 'inline', role: 'search' },
    field(t('volunteers.search'), h('input', { type: 'search', name: 'q', value: filters.q })),
    field(t('field.tag'), h('input', { type: 'text', name: 'tag', value: filters.tag })),
    field(t('field.language'), h('select', { name: 'language' }, option('', t('volunteers.any_language'), !filters.language),
      ['en', 'es'].map((l) => option(l, t(`language.${l}`), filters.language === l)))),
    h('button', { type: 'submit', text: t('volunteers.filter') }));
  filterForm.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(filters, formValues(filterForm));
    route();
  });
  // Viewers read the list; adding, editing, erasing, importing and the
  // export (contact data in bulk: coordinators only) are not theirs.
  const writer = canWrite();
  const editing = writer && ui.editing && list.items.find((v) => v.id === ui.editing);
  const erasing = writer && ui.erasing && list.items.find((v) => v.id === ui.erasing);
  page('volunteers.title',
    filterForm,
    erasing ? eraseBox(erasing) : null,
    editing ? h('section', { class: 'panel', 'aria-labelledby': 'edit-h' }, h('h2', { id: 'edit-h', text: t('volunteers.edit', { name: editing.name }) }), volunteerForm(editing)) : null,
    h('p', { role: 'status', text: t('volunteers.count', { n: shown.length }) }),
    shown.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'volunteers' },
      h('thead', {}, h('tr', {}, ['field.name', 'field.phone', 'field.email', 'field.language', 'field.tags', writer && 'volunteers.actions']
        .filter(Boolean).map((k) => h('th', { scope: 'col', text: t(k) })))),
      h('tbody', {}, shown.map((v) => h('tr', {},
        h('td', { text: v.name }), h('td', { text: v.phone || '' }), h('td', { text: v.email || '' }),
        h('td', { text: has(`language.${v.language}`) ? t(`language.${v.language}`) : v.language }),
        h('td', {}, v.tags.map((tag) => h('span', { class: 'badge', text: tag }))),
        writer && h('td', {},
          h('button', { type: 'button', class: 'small secondary', text: t('common.edit'), 'aria-label': t('volunteers.edit', { name: v.name }),
            onclick: () => { ui.editing = v.id; ui.erasing = null; route(); } }), ' ',
          h('button', { type: 'button', class: 'small danger', text: t('volunteers.erase'), 'aria-label': t('volunteers.erase_title', { name: v.name }),
            onclick: () => { ui.erasing = v.id; ui.editing = null; route(); } })))))))
      : h('p', { text: t('volunteers.none') }),
    writer && h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', id: 'export', text: t('volunteers.export'), onclick: exportCsv })),
    writer && h('section', { class: 'panel', 'aria-labelledby': 'add-v' }, h('h2', { id: 'add-v', text: t('volunteers.add') }), volunteerForm(null)),
    writer && importBox());
}

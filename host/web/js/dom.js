// Building the page: every text goes in through textContent (h's string
// children and the `text` attribute), never through innerHTML, so no data
// from the server or a form can ever become markup.

// h('button', {class: 'small', onclick: fn, 'aria-label': '…'}, 'text', child…)
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') el.textContent = String(value);
    else if (key === 'class') el.className = value;
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked' || key === 'disabled' || key === 'selected' || key === 'required' || key === 'hidden')
      el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el, ...children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// A labelled form control: <label for=id>text</label><input id=id …>
let nextId = 0;
export function field(labelText, control, hint) {
  const id = control.id || `f${++nextId}`;
  control.id = id;
  const parts = [h('label', { for: id, text: labelText }), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('p', { class: 'hint', id: hintId, text: hint }));
  }
  return h('div', { class: 'field' }, ...parts);
}

export function option(value, text, selected) {
  return h('option', { value, text, selected: selected || undefined });
}

// Values of a form's named controls, checkboxes as booleans.
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === 'checkbox') out[el.name] = el.checked;
    else if (el.type === 'radio') { if (el.checked) out[el.name] = el.value; }
    else out[el.name] = el.value;
  }
  return out;
}

// Restores what formValues read (after a re-render, e.g. a language switch).
export function restoreValues(form, values) {
  for (const el of form.elements) {
    if (!el.name || !(el.name in values)) continue;
    if (el.type === 'checkbox') el.checked = Boolean(values[el.name]);
    else if (el.type === 'radio') el.checked = el.value === values[el.name];
    else el.value = values[el.name];
  }
}

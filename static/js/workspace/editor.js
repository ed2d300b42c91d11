// The editor: a form for every incident property, validated by the API (its errors shown
// beside the field), the place by gazetteer search or by dragging the marker.

import { call } from './api.js';
import { button, el } from './dom.js';

/** [name, label, kind] of every property the form edits; `source.x` edits the source object. */
const FIELDS = [
  ['event_date', 'Event date', 'date'], ['event_time', 'Time (HH:MM)', 'text'],
  ['time_precision', 'Time precision', 'precision'], ['event_type', 'Event type', 'type'],
  ['sub_event_type', 'Sub-event type', 'subtype'], ['actor1', 'Actor 1', 'text'],
  ['actor2', 'Actor 2', 'text'], ['fatalities', 'Fatalities', 'number'],
  ['injuries', 'Injuries', 'number'], ['location', 'Location', 'text'],
  ['location_mention', 'Location as written', 'text'], ['country', 'Country (ISO)', 'text'],
  ['admin1', 'Admin 1', 'text'], ['geo_precision', 'Geo precision', 'precision'],
  ['gazetteer_id', 'Gazetteer id', 'text'], ['layer', 'Layer', 'text'],
  ['summary', 'Summary', 'textarea'], ['quote', 'Quote', 'textarea'],
  ['source.title', 'Source title', 'text'], ['source.publisher', 'Publisher', 'text'],
  ['source.url', 'Source URL', 'text'], ['source.published', 'Published', 'text'],
  ['source.document', 'Document', 'text'], ['status', 'Status', 'status'],
];
const NUMBERS = new Set(['fatalities', 'injuries', 'time_precision', 'geo_precision']);

function control(name, kind, types, canPublish) {
  if (kind === 'textarea') return el('textarea');
  if (['precision', 'type', 'subtype', 'status'].includes(kind)) {
    const select = el('select');
    let values = ['1', '2', '3'];
    if (kind === 'type') values = Object.keys(types);
    if (kind === 'subtype') values = Object.values(types).flat();
    if (kind === 'status') values = canPublish ? ['draft', 'published'] : ['draft'];
    select.append(...values.map((v) => { const o = el('option', null, v); o.value = v; return o; }));
    return select;
  }
  const input = el('input');
  input.type = kind === 'number' ? 'number' : kind === 'date' ? 'date' : 'text';
  if (kind === 'number') input.min = '0';
  return input;
}

/** The editor over `form`; `onSaved(feature)` after a save, `map` shows the marker. */
export function createEditor(form, types, canPublish, map, onSaved) {
  const fields = form.querySelector('#editor-fields');
  const inputs = new Map();
  for (const [name, label, kind] of FIELDS) {
    const id = `f-${name.replace('.', '-')}`;
    const wrap = el('div', 'ws-field');
    const lab = el('label', null, label);
    lab.htmlFor = id;
    const input = control(name, kind, types, canPublish);
    input.id = id;
    input.name = name;
    const error = el('p', 'ws-error');
    error.dataset.errorFor = `properties.${name}`;
    error.id = `${id}-error`;
    input.setAttribute('aria-describedby', error.id);
    wrap.append(lab, input, error);
    fields.append(wrap);
    inputs.set(name, input);
  }
  let current = null; // the feature being edited (null id: a new one)
  let geometry = null;
  const status = form.querySelector('#editor-status');

  function showPoint() {
    form.querySelector('#editor-point').textContent = geometry
      ? `${geometry.coordinates[1].toFixed(5)}, ${geometry.coordinates[0].toFixed(5)}` : 'none';
  }

  function fill(feature) {
    current = feature;
    geometry = feature.geometry;
    const p = feature.properties;
    for (const [name, input] of inputs) {
      const value = name.startsWith('source.') ? (p.source || {})[name.slice(7)] : p[name];
      input.value = value === null || value === undefined ? '' : String(value);
    }
    document.getElementById('editor-id').textContent = feature.id || '(new)';
    clearErrors();
    showPoint();
    map.edit(geometry && geometry.type === 'Point' ? geometry.coordinates : null);
    document.getElementById('editor-section').hidden = false;
  }

  function clearErrors() {
    for (const node of form.querySelectorAll('.ws-error')) node.textContent = '';
    for (const input of inputs.values()) input.removeAttribute('aria-invalid');
    status.textContent = '';
  }

  function properties() {
    const props = {};
    const source = {};
    for (const [name, input] of inputs) {
      const raw = input.value.trim();
      let value = raw === '' ? null : raw;
      if (value !== null && NUMBERS.has(name)) value = Number(raw);
      if (name.startsWith('source.')) source[name.slice(7)] = value;
      else props[name] = value;
    }
    props.source = Object.values(source).some((v) => v !== null) ? source : null;
    return props;
  }

  function showError(error) {
    const field = error.field || '';
    const target = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`)
      || form.querySelector(`[data-error-for="${CSS.escape(field.replace(/^properties\.source$/, 'properties.source.title'))}"]`);
    if (target) {
      target.textContent = error.message;
      const input = inputs.get(field.replace(/^properties\./, ''));
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
    }
    status.textContent = `Not saved: ${field ? `${field}: ` : ''}${error.message}`;
  }

  async function save(event) {
    event.preventDefault();
    clearErrors();
    const body = { type: 'Feature', geometry, properties: properties() };
    try {
      const saved = current.id
        ? await call('PATCH', `/incidents/${encodeURIComponent(current.id)}`, body)
        : await call('POST', '/incidents', body);
      fill(saved);
      status.textContent = 'Saved.';
      onSaved(saved);
    } catch (error) {
      showError(error);
    }
  }

  async function search() {
    const q = form.querySelector('#place-search').value.trim();
    const list = form.querySelector('#place-candidates');
    list.replaceChildren();
    if (!q) return;
    const country = inputs.get('country').value.trim();
    const params = new URLSearchParams({ q, ...(country ? { country } : {}) });
    const answer = await call('GET', `/gazetteer/search?${params}`);
    const places = [answer.match, ...(answer.candidates || [])].filter(Boolean);
    const seen = new Set();
    for (const place of places) {
      if (seen.has(place.gazetteer_id)) continue;
      seen.add(place.gazetteer_id);
      const li = el('li', 'ws-candidate');
      li.append(button(`${place.name} (${place.feature}, ${place.admin1 || '-'}, ${place.country})`, () => choose(place)),
        el('span', 'ws-why', place.why));
      list.append(li);
    }
    if (!seen.size) list.append(el('li', 'ws-hint', 'No place found.'));
  }

  function choose(place) {
    geometry = { type: 'Point', coordinates: [place.lon, place.lat] };
    const set = { location: place.name, country: place.country, admin1: place.admin1,
      gazetteer_id: place.gazetteer_id, geo_precision: 1 };
    for (const [name, value] of Object.entries(set)) inputs.get(name).value = value ?? '';
    showPoint();
    map.edit(geometry.coordinates);
  }

  form.addEventListener('submit', save);
  form.querySelector('#place-search-go').addEventListener('click', () => search().catch(showError));
  form.querySelector('#place-search').addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); search().catch(showError); }
  });
  form.querySelector('#editor-cancel').addEventListener('click', () => {
    document.getElementById('editor-section').hidden = true;
    map.edit(null);
  });
  inputs.get('event_type').addEventListener('change', () => {
    const subs = types[inputs.get('event_type').value] || [];
    if (!subs.includes(inputs.get('sub_event_type').value)) inputs.get('sub_event_type').value = subs[0] || '';
  });
  return {
    open: async (id) => fill(await call('GET', `/incidents/${encodeURIComponent(id)}`)),
    create(point) {
      const today = new Date().toISOString().slice(0, 10);
      fill({ id: null, geometry: { type: 'Point', coordinates: point },
        properties: { event_date: today, event_type: 'Battles', sub_event_type: 'Armed clash',
          status: 'draft', geo_precision: 1, time_precision: 1, layer: 'incidents' } });
    },
    /** The marker was dragged: the incident's point is exactly there. */
    moved(point) {
      geometry = { type: 'Point', coordinates: point };
      inputs.get('geo_precision').value = '1';
      inputs.get('gazetteer_id').value = '';
      showPoint();
    },
  };
}

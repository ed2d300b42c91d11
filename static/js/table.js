// The table of filtered incidents: pages from the features API, sortable, a row flies the map to it.

import { fetchFeatures } from './api.js';

const PAGE = 50;
const number = new Intl.NumberFormat('en');
/** Header sort key → [server order when first clicked, server order when clicked again]. */
const ORDERS = {
  event_date: ['event_date', 'event_date_asc'],
  event_type: ['event_type', 'event_type'],
  fatalities: ['fatalities', 'fatalities'],
  location: ['location', 'location'],
};
const DIRECTION = { event_date: 'descending', event_date_asc: 'ascending', event_type: 'ascending',
  fatalities: 'descending', location: 'ascending' };

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text === null || text === undefined ? '' : String(text);
  td.dir = 'auto';
  if (className) td.className = className;
  return td;
}

function featureRow(feature, onPick) {
  const p = feature.properties || {};
  const row = document.createElement('tr');
  row.tabIndex = 0;
  row.dataset.id = feature.id;
  const place = [p.location, p.admin1, p.country].filter(Boolean).join(', ');
  row.append(cell(p.event_date), cell(p.sub_event_type || p.event_type), cell(p.fatalities ?? '—'),
    cell(place), cell(p.summary, 'summary'));
  row.title = `${p.event_date} ${p.event_type} — ${place}: show on the map`;
  row.addEventListener('click', () => onPick(feature));
  row.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); onPick(feature); }
  });
  return row;
}

/**
 * The table in `section`. `onPick(feature)` shows an incident on the map; `getBbox()` gives
 * the map's extent for "only what is in view".
 */
export function createTable(section, getBbox, onPick) {
  const body = section.querySelector('tbody');
  const range = section.querySelector('.table-range');
  const prev = section.querySelector('.table-prev');
  const next = section.querySelector('.table-next');
  const extent = section.querySelector('#table-extent');
  const state = { layerId: null, filters: null, sort: 'event_date', offset: 0, matched: 0 };
  let controller = null;
  let stale = false; // filters changed while the table was out of sight: load it when shown
  const analysis = section.closest('.analysis');
  const inSight = () => !section.hidden && !section.closest('[hidden]');

  function showSort() {
    for (const th of section.querySelectorAll('th[aria-sort]')) {
      const key = th.querySelector('button').dataset.sort;
      th.setAttribute('aria-sort', ORDERS[key].includes(state.sort) ? DIRECTION[state.sort] : 'none');
    }
  }

  async function load() {
    if (controller) controller.abort();
    controller = new AbortController();
    stale = !inSight();
    if (stale) return; // not asked for on the first paint: the map's requests go first
    if (state.filters === null || !state.layerId) {
      body.replaceChildren();
      range.textContent = 'No incidents match the filters.';
      return;
    }
    const params = new URLSearchParams(state.filters);
    if (extent.checked) params.set('bbox', getBbox());
    params.set('sort', state.sort);
    params.set('limit', String(PAGE));
    params.set('offset', String(state.offset));
    const page = await fetchFeatures(state.layerId, params, controller.signal);
    state.matched = page.numberMatched;
    body.replaceChildren(...page.features.map((f) => featureRow(f, onPick)));
    const first = page.features.length ? state.offset + 1 : 0;
    range.textContent = `${number.format(first)}–${number.format(state.offset + page.features.length)} of ${number.format(page.numberMatched)}`;
    prev.disabled = state.offset === 0;
    next.disabled = state.offset + page.features.length >= page.numberMatched;
    section.dataset.matched = String(page.numberMatched);
    showSort();
  }
  const reload = () => load().catch((error) => {
    if (error.name !== 'AbortError') range.textContent = `Could not load the table: ${error.message}`;
  });

  for (const button of section.querySelectorAll('th button[data-sort]')) {
    button.addEventListener('click', () => {
      const [first, again] = ORDERS[button.dataset.sort];
      state.sort = state.sort === first && again !== first ? again : first;
      state.offset = 0;
      reload();
    });
  }
  prev.addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE); reload(); });
  next.addEventListener('click', () => { state.offset += PAGE; reload(); });
  extent.addEventListener('change', () => { state.offset = 0; reload(); });
  if (analysis) analysis.addEventListener('tab', () => { if (stale && inSight()) reload(); });

  return {
    /** Show the first page for new filters (null: nothing matches) of a layer. */
    setFilters(layerId, filters) {
      Object.assign(state, { layerId, filters, offset: 0 });
      return reload();
    },
    /** The map moved: reload when the table follows the extent. */
    viewChanged() {
      if (extent.checked) { state.offset = 0; reload(); }
    },
  };
}

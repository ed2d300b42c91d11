// Wiring: reads the page's data-* configuration and connects map, layers, filters, search, downloads.

import { fetchLayers, setApiRoot } from './api.js';
import { createDownloads } from './downloads.js';
import { apiParams, readFilters, updateUrl, urlParams, watchFilters, writeFilters } from './filters.js';
import { createDataLayer, isReference, isVisible, loadDataLayer, needsLoad } from './layers.js';
import { createMap, fitBoxes, restoreView, viewText } from './map.js';
import { createSearch } from './search.js';
import { setEventTypes } from './symbols.js';
import { createTimeline } from './timeline.js';

const number = new Intl.NumberFormat('en');
const root = document.getElementById('geomap');
const config = root.dataset;
const form = document.getElementById('filters');
const total = document.getElementById('total');
let entries = [];

setApiRoot(config.apiRoot);
setEventTypes(JSON.parse(config.eventTypes));
const map = createMap(document.getElementById('map'), config);
const downloads = createDownloads(document.querySelector('[aria-labelledby=download-heading]'));
createSearch(document.getElementById('place-search'), document.getElementById('place-result'), map);

function showTotals() {
  const incidents = entries.filter((e) => !isReference(e.info) && isVisible(e));
  const shown = incidents.reduce((sum, e) => sum + e.shown, 0);
  const matched = incidents.reduce((sum, e) => sum + (e.total ?? NaN), 0);
  if (shown === matched) total.textContent = `${number.format(shown)} incident${shown === 1 ? '' : 's'} on the map`;
  else {
    const of = Number.isNaN(matched) ? '(counting matches…)' : `of ${number.format(matched)} matching incidents`;
    total.textContent = `Showing the ${number.format(shown)} most recent ${of}: zoom in to see more`;
  }
  const byType = new Map();
  for (const entry of incidents) {
    for (const f of entry.features) byType.set(f.properties.event_type, (byType.get(f.properties.event_type) || 0) + 1);
  }
  for (const cell of form.querySelectorAll('[data-type-count]')) {
    cell.textContent = number.format(byType.get(cell.dataset.typeCount) || 0);
  }
  root.dataset.state = 'ready';
  performance.mark('geomap:drawn');
}

/** Reload the layers that `wanted(entry)` picks (by default those the filters change). */
async function refresh(wanted = (entry) => needsLoad(entry, false)) {
  const filters = apiParams(readFilters(form));
  downloads.setFilters(filters);
  root.dataset.state = 'loading';
  const targets = entries.filter(wanted);
  try {
    await Promise.all(targets.map((e) => loadDataLayer(e, filters, map, showTotals)));
    showTotals();
  } catch (error) {
    if (error.name === 'AbortError') return;
    total.textContent = `Could not load incidents: ${error.message}`;
    root.dataset.state = 'error';
  }
}

function saveLayerChoice() {
  const defaults = entries.filter((e) => !isReference(e.info)).map((e) => e.info.id).join(',');
  const chosen = entries.filter(isVisible).map((e) => e.info.id).join(',');
  updateUrl({ layers: chosen === defaults ? null : chosen || 'none' });
}

function addLayers(infos, params) {
  const list = document.getElementById('layer-list');
  const wanted = params.has('layers') ? new Set(params.get('layers').split(',')) : null;
  entries = infos.map((info) => createDataLayer(map, info,
    wanted ? wanted.has(info.id) : !isReference(info),
    (entry, on) => { saveLayerChoice(); if (on) refresh((e) => e === entry); else showTotals(); }));
  list.replaceChildren(...entries.map((e) => e.row));
  downloads.setLayers(infos, infos.filter(isReference).map((info) => info.id));
}

function dateExtent(infos) {
  const dates = infos.filter((i) => !isReference(i) && Array.isArray(i.time_extent))
    .flatMap((i) => i.time_extent).filter(Boolean).sort();
  return [dates[0] || null, dates[dates.length - 1] || null];
}

async function start() {
  const params = urlParams();
  writeFilters(form, params);
  const more = document.getElementById('more-filters');
  more.open = [...more.querySelectorAll('[name]')].some((field) => field.value);
  const timeline = createTimeline(form, () => apply());
  const apply = watchFilters(form, () => refresh());
  const infos = await fetchLayers();
  addLayers(infos, params);
  timeline.setExtent(...dateExtent(infos));
  if (!restoreView(map, params.get('map'))) {
    fitBoxes(map, infos.filter((i) => !isReference(i)).map((i) => i.bbox));
  }
  map.on('moveend', () => {
    updateUrl({ map: viewText(map) });
    refresh((entry) => needsLoad(entry, true));
  });
  await refresh();
}

start().catch((error) => {
  total.textContent = `Could not start the map: ${error.message}`;
  root.dataset.state = 'error';
});

// Wiring: reads the page's data-* configuration and connects map, layers, filters, search, downloads.

import { createAnalysis } from './analysis.js';
import { fetchActors, fetchDivisions, fetchLayers, setApiRoot } from './api.js';
import { createDensity } from './density.js';
import { createDivisions } from './divisions.js';
import { createDownloads } from './downloads.js';
import { clearFieldErrors, fieldNamed, showFieldError } from './fielderrors.js';
import { apiParams, readFilters, updateUrl, urlParams, watchFilters, writeFilters } from './filters.js';
import { createDataLayer, isReference, isVisible, loadDataLayer, needsLoad } from './layers.js';
import { createMap, fitBoxes, restoreView, viewBbox, viewText } from './map.js';
import { featurePopup } from './popups.js';
import { createActorSuggestions, createCountryPicker, createDivisionPicker } from './pickers.js';
import { createSearch } from './search.js';
import { setEventTypes } from './symbols.js';
import { createTable } from './table.js';
import { createTimeline } from './timeline.js';
import { createTrends } from './trends.js';

const number = new Intl.NumberFormat('en');
const root = document.getElementById('geomap');
const config = root.dataset;
const form = document.getElementById('filters');
const total = document.getElementById('total');
let entries = [];
let extent = [null, null];
let apply = () => {};

setApiRoot(config.apiRoot);
setEventTypes(JSON.parse(config.eventTypes));
const map = createMap(document.getElementById('map'), config, document.querySelector('.panel-head'));
const downloads = createDownloads(document.querySelector('[aria-labelledby=download-heading]'), () => viewBbox(map));
createCountryPicker(form, document.getElementById('f-country'), document.getElementById('country-list'),
  document.getElementById('f-country-names'), (input, message) => showFieldError(input, message, 'picker'));
createDivisionPicker(form, document.getElementById('f-admin1'), document.getElementById('f-country'),
  document.getElementById('admin1-list'), document.getElementById('f-admin1-names'),
  (countries, text) => fetchDivisions(countries, text),
  (input, message) => showFieldError(input, message, 'picker'));
createActorSuggestions(document.getElementById('f-actor'), (text, signal) => {
  const first = entries.find((e) => !isReference(e.info) && isVisible(e));
  return first ? fetchActors(first.info.id, text, signal) : Promise.resolve({ actors: [] });
});
form.addEventListener('reset', () => {
  clearFieldErrors(form, 'picker');
  document.getElementById('f-country-names').textContent = '';
  document.getElementById('f-admin1-names').textContent = '';
});
createSearch(document.getElementById('place-search'), document.getElementById('place-result'), map);
createAnalysis(document.getElementById('analysis'), () => map.invalidateSize());
const trends = createTrends(document.getElementById('trends'), Object.keys(JSON.parse(config.eventTypes)),
  (start, end) => {
    form.elements.namedItem('start').value = start;
    form.elements.namedItem('end').value = end;
    apply();
  });
const density = createDensity(map, document.getElementById('layer-list'));
const divisions = createDivisions(map, (code) => {
  const field = form.elements.namedItem('admin1');
  field.value = code;
  field.dispatchEvent(new Event('change', { bubbles: true }));
});
const table = createTable(document.getElementById('incident-table'), () => viewBbox(map), showIncident);

/** [lat, lng] of a feature: its point, or the centre of a line's or polygon's bounds. */
function featureCentre(feature) {
  const g = feature.geometry;
  if (g.type === 'Point') return [g.coordinates[1], g.coordinates[0]];
  const centre = window.L.geoJSON(feature).getBounds().getCenter();
  return [centre.lat, centre.lng];
}

/** Fly to an incident picked in the table and open its popup there. */
function showIncident(feature) {
  const where = featureCentre(feature);
  map.once('moveend', () => window.L.popup({ maxWidth: 360, minWidth: 240, className: 'table-popup' })
    .setLatLng(where).setContent(featurePopup(feature)).openOn(map));
  map.flyTo(where, Math.max(map.getZoom(), 12), { duration: 0.6 });
}

/** The chart and the table follow the filters (not the map's moves). */
function analyse(filters) {
  const ids = entries.filter((e) => !isReference(e.info) && isVisible(e)).map((e) => e.info.id);
  trends.update(ids, filters, extent).catch((error) => {
    if (error.name !== 'AbortError') document.querySelector('.trend-summary').textContent = `Could not load the chart: ${error.message}`;
  });
  table.setFilters(ids[0] || null, filters);
}

/** The density layer follows the filters and the view, for the first visible incident layer. */
function updateDensity(filters) {
  const first = entries.find((e) => !isReference(e.info) && isVisible(e));
  density.update(first ? first.info.id : null, filters);
  divisions.update(first ? first.info.id : null, filters);
}

function showTotals() {
  const incidents = entries.filter((e) => !isReference(e.info) && isVisible(e));
  const shown = incidents.reduce((sum, e) => sum + e.shown, 0);
  const matched = incidents.reduce((sum, e) => sum + (e.total ?? NaN), 0);
  const cells = incidents.reduce((sum, e) => sum + e.cellCount, 0);
  const plural = (n) => `${number.format(n)} incident${n === 1 ? '' : 's'}`;
  let text = shown === matched ? `${plural(shown)} on the map`
    : `${plural(shown)} in view, of ${Number.isNaN(matched) ? '(counting…)' : number.format(matched)} matching`;
  if (cells) text += `, grouped in ${number.format(cells)} cells: zoom in or pick a cell for single incidents`;
  total.textContent = text;
  root.dataset.inView = String(shown);
  root.dataset.viewBbox = incidents.map((e) => e.bbox).find(Boolean) || '';
  const byType = new Map();
  for (const entry of incidents) {
    for (const [kind, count] of entry.byType) byType.set(kind, (byType.get(kind) || 0) + count);
  }
  for (const cell of form.querySelectorAll('[data-type-count]')) {
    cell.textContent = number.format(byType.get(cell.dataset.typeCount) || 0);
  }
  root.dataset.state = 'ready';
  performance.mark('geomap:drawn');
}

/** Empty the map when a filter is invalid, and say which one, beside it and at the top. */
function showInvalid(field, message) {
  for (const entry of entries) if (!isReference(entry.info)) loadDataLayer(entry, null, map, showTotals);
  showTotals();
  const label = field && form.querySelector(`label[for="${field.id}"]`);
  total.textContent = `Nothing shown: the ${label ? label.textContent.toLowerCase() : 'filter'} filter is not valid. ${message}`;
  root.dataset.state = 'invalid';
}

/** Reload the layers that `wanted(entry)` picks (by default those the filters change). */
async function refresh(wanted = (entry) => needsLoad(entry, false), analysed = true) {
  clearFieldErrors(form, 'api');
  const invalid = form.querySelector('[aria-invalid=true]');
  const filters = invalid ? null : apiParams(readFilters(form));
  downloads.setFilters(filters);
  updateDensity(filters);
  if (invalid) {
    showInvalid(invalid, document.getElementById(`${invalid.id}-error`)?.textContent || '');
    if (analysed) analyse(null);
    return;
  }
  root.dataset.state = 'loading';
  const targets = entries.filter(wanted);
  if (analysed) analyse(filters);
  try {
    await Promise.all(targets.map((e) => loadDataLayer(e, filters, map, showTotals)));
    showTotals();
  } catch (error) {
    if (error.name === 'AbortError') return;
    const field = fieldNamed(form, error.field);
    if (field) {
      showFieldError(field, error.detail, 'api');
      showInvalid(field, error.detail);
      return;
    }
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
    (entry, on) => { saveLayerChoice(); if (on) refresh((e) => e === entry, false); else showTotals(); }));
  list.replaceChildren(...entries.map((e) => e.row), density.row, divisions.row);
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
  apply = watchFilters(form, () => refresh());
  const infos = await fetchLayers();
  addLayers(infos, params);
  extent = dateExtent(infos);
  timeline.setExtent(...extent);
  if (!restoreView(map, params.get('map'))) {
    fitBoxes(map, infos.filter((i) => !isReference(i)).map((i) => i.bbox));
  }
  map.on('moveend', () => {
    performance.mark('geomap:moved'); // benchmarks/bench_page.py times moved → drawn
    updateUrl({ map: viewText(map) });
    refresh((entry) => needsLoad(entry, true), false);
    table.viewChanged();
  });
  await refresh();
}

start().catch((error) => {
  total.textContent = `Could not start the map: ${error.message}`;
  root.dataset.state = 'error';
});

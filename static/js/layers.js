// Data layers from /api/layers: one cluster group each, loaded with the filters, listed with counts.

import { countsByType, drawCells } from './aggregates.js';
import { fetchAggregate, fetchFeatures, fetchIncident, MAX_LIMIT } from './api.js';
import { viewBbox } from './map.js';
import { featurePopup } from './popups.js';
import { clusterIconFactory, incidentIcon, siteIcon, typeSlug } from './symbols.js';

const L = window.L;
/** A layer loaded by area shows single markers when at most this many match in view. */
const MARKER_LIMIT = 3000;
/** What a marker shows of an incident (its symbol and title); a popup reads the rest. */
const MARKER_PROPERTIES = 'event_date,event_type,sub_event_type,location,status';
const number = new Intl.NumberFormat('en');

/** Reference layers (bases, airports) are not incidents: the incident filters skip them. */
export function isReference(info) {
  return info.id === 'sites' || info.kind === 'reference';
}

/** Reference sites sit under the incidents: a pane below Leaflet's marker pane (z-index 600). */
const REFERENCE_PANE = 'reference';

function referencePane(map) {
  if (!map.getPane(REFERENCE_PANE)) map.createPane(REFERENCE_PANE).style.zIndex = '590';
  return REFERENCE_PANE;
}

/** Layers too big for one request: loaded for the area in view only. */
export function loadsByArea(info) {
  return Number(info.count) > MAX_LIMIT;
}

function markerTitle(p, reference) {
  if (reference) return [p.name, p.feature].filter(Boolean).join(' — ');
  return [p.event_date, p.sub_event_type || p.event_type, p.location].filter(Boolean).join(' — ');
}

const POPUP_OPTIONS = { maxWidth: 360, minWidth: 240, autoPanPadding: [24, 24] };

/**
 * The popup of a marker: the map draws incidents from pages cut down to MARKER_PROPERTIES,
 * so the whole incident is read when its popup first opens.
 */
function bindIncidentPopup(layer, feature, reference) {
  if (reference || 'summary' in (feature.properties || {})) {
    layer.bindPopup(() => featurePopup(feature), POPUP_OPTIONS);
    return;
  }
  const waiting = document.createElement('p');
  waiting.className = 'popup-loading';
  waiting.textContent = 'Loading the incident…';
  layer.bindPopup(waiting, POPUP_OPTIONS);
  layer.once('popupopen', () => {
    fetchIncident(feature.id ?? feature.properties.id).then((full) => {
      layer.feature = full;
      layer.setPopupContent(featurePopup(full));
    }).catch((error) => { waiting.textContent = `Could not load the incident: ${error.message}`; });
  });
}

function toMapLayer(feature, info, pane) {
  const geometry = feature.geometry;
  if (!geometry) return null;
  const p = feature.properties || {};
  const reference = isReference(info);
  let layer;
  if (geometry.type === 'Point') {
    const [lon, lat] = geometry.coordinates;
    const icon = reference ? siteIcon(info.id) : incidentIcon(info.id, p.event_type, p.status);
    layer = L.marker([lat, lon], { icon, title: markerTitle(p, reference), keyboard: true, riseOnHover: true, pane });
  } else {
    layer = L.geoJSON(feature, { style: { className: `shape shape-${typeSlug(p.event_type)}` } });
  }
  layer.feature = feature;
  bindIncidentPopup(layer, feature, reference);
  return layer;
}

/** One data layer: its cluster group on the map and its row in the layer list. */
export function createDataLayer(map, info, visible, onToggle) {
  const pane = isReference(info) ? referencePane(map) : 'markerPane';
  const group = L.markerClusterGroup({
    showCoverageOnHover: false, maxClusterRadius: 45, clusterPane: pane,
    spiderfyOnMaxZoom: true, iconCreateFunction: clusterIconFactory(info.id, isReference(info)),
  });
  const cells = L.layerGroup();
  const entry = {
    info, group, cells, pane, features: [], byType: new Map(), shown: 0, matched: 0, total: null,
    cellCount: 0, bbox: null, row: null, controller: null, loaded: false,
  };
  entry.row = layerRow(info, visible, (on) => {
    for (const layer of [group, cells]) { if (on) map.addLayer(layer); else map.removeLayer(layer); }
    onToggle(entry, on);
  });
  if (visible) { map.addLayer(group); map.addLayer(cells); }
  return entry;
}

/** A layer list row: a labelled checkbox with the layer's symbol; the page adds to it. */
export function toggleRow(value, symbolClass, title) {
  const row = document.createElement('li');
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.value = value;
  const symbol = document.createElement('span');
  symbol.className = `sym ${symbolClass}`;
  symbol.setAttribute('aria-hidden', 'true');
  label.append(box, symbol, document.createTextNode(` ${title}`));
  row.append(label);
  return { row, box };
}

function layerRow(info, visible, onChange) {
  const { row, box } = toggleRow(info.id, isReference(info) ? 'sym-site' : 'sym-layer',
    info.title || info.id);
  box.checked = visible;
  box.addEventListener('change', () => onChange(box.checked));
  const count = document.createElement('span');
  count.className = 'count';
  count.setAttribute('aria-live', 'polite');
  row.append(count);
  return row;
}

/** Whether a refresh must (re)load the layer: reference layers ignore the filters. */
export function needsLoad(entry, areaOnly) {
  if (!isVisible(entry)) return false;
  if (areaOnly || isReference(entry.info)) return loadsByArea(entry.info) || !entry.loaded;
  return true;
}

/** Whether the layer's checkbox is on. */
export function isVisible(entry) {
  return entry.row.querySelector('input').checked;
}

async function countMatches(entry, filters, signal) {
  const params = isReference(entry.info) ? new URLSearchParams() : new URLSearchParams(filters);
  params.set('limit', '1');
  const collection = await fetchFeatures(entry.info.id, params, signal);
  return collection.numberMatched;
}

function drawFeatures(entry, features) {
  entry.features = features;
  entry.byType = new Map();
  for (const f of features) {
    const kind = f.properties && f.properties.event_type;
    entry.byType.set(kind, (entry.byType.get(kind) || 0) + 1);
  }
  entry.cells.clearLayers();
  entry.cellCount = 0;
  entry.group.clearLayers();
  entry.group.addLayers(features.map((f) => toMapLayer(f, entry.info, entry.pane)).filter(Boolean));
}

/** The whole layer, or a large reference layer's area in view (reference layers ignore the filters). */
async function loadWhole(entry, filters, map, signal) {
  const params = isReference(entry.info) ? new URLSearchParams() : new URLSearchParams(filters);
  if (loadsByArea(entry.info)) params.set('bbox', viewBbox(map));
  params.set('limit', String(MAX_LIMIT));
  if (!isReference(entry.info)) params.set('properties', MARKER_PROPERTIES);
  const collection = await fetchFeatures(entry.info.id, params, signal);
  drawFeatures(entry, collection.features || []);
  entry.shown = entry.features.length;
  entry.matched = collection.numberMatched ?? entry.shown;
}

/**
 * The area in view: the server's aggregate of every match, drawn as cells, or the single
 * incidents once few enough match in view.
 */
async function loadArea(entry, filters, map, signal) {
  const params = new URLSearchParams(filters);
  entry.bbox = viewBbox(map);
  params.set('bbox', entry.bbox);
  params.set('zoom', String(map.getZoom()));
  const answer = await fetchAggregate(entry.info.id, params, signal);
  entry.matched = answer.numberMatched;
  entry.shown = answer.numberMatched;
  if (answer.numberMatched <= MARKER_LIMIT) {
    params.delete('zoom');
    params.set('limit', String(MARKER_LIMIT));
    params.set('properties', MARKER_PROPERTIES);
    drawFeatures(entry, (await fetchFeatures(entry.info.id, params, signal)).features || []);
    return;
  }
  entry.features = [];
  entry.group.clearLayers();
  entry.byType = countsByType(answer.cells);
  entry.cellCount = answer.cells.length;
  drawCells(entry.cells, answer.cells, entry.info.id, map);
}

/**
 * Fetch and draw a layer for API filters (null: nothing can match); a newer load cancels
 * it. When the layer is loaded by area, the total is counted afterwards and
 * `onCounted(entry)` called.
 */
export async function loadDataLayer(entry, filters, map, onCounted) {
  if (entry.controller) entry.controller.abort();
  entry.controller = new AbortController();
  const signal = entry.controller.signal;
  if (filters === null && !isReference(entry.info)) {
    drawFeatures(entry, []);
    entry.shown = 0;
    entry.matched = 0;
  } else if (loadsByArea(entry.info) && !isReference(entry.info)) {
    await loadArea(entry, filters, map, signal);
  } else {
    await loadWhole(entry, filters, map, signal);
  }
  entry.loaded = true;
  entry.total = totalWithoutCounting(entry, filters);
  showCount(entry);
  if (entry.total === null) {
    countMatches(entry, filters, signal).then((total) => {
      entry.total = total;
      showCount(entry);
      onCounted(entry);
    }).catch((error) => { if (error.name !== 'AbortError') throw error; });
  }
  return entry;
}

/** How many match in the whole layer, when known without asking (null otherwise). */
function totalWithoutCounting(entry, filters) {
  if (!loadsByArea(entry.info)) return entry.matched;
  const filtered = filters !== null && [...filters.keys()].length > 0;
  return filtered || isReference(entry.info) ? null : Number(entry.info.count);
}

/** "3", or "8,000 in view (9,000 in all)". */
export function countText(entry) {
  if (entry.shown === entry.total) return number.format(entry.total);
  return `${number.format(entry.shown)} in view (${entry.total === null ? '…' : number.format(entry.total)} in all)`;
}

function showCount(entry) {
  entry.row.querySelector('.count').textContent = countText(entry);
}

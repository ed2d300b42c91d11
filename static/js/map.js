// The Leaflet map: base tiles, the offline basemap (countries, place labels), and the view kept in the URL.

import { createLabels } from './basemap.js';

const L = window.L;
const FAILED_TILES_BEFORE_FALLBACK = 3;
const WORLD = [[-60, -170], [75, 175]];
/** A map narrower than this is a phone's: controls fold up and notices are shorter. */
const SMALL_MAP_WIDTH = 600;

function outlinesLayer(url) {
  const layer = L.geoJSON(null, {
    style: { color: '#6b7a89', weight: 1, fillColor: '#f4f1e8', fillOpacity: 1 },
    interactive: false,
  });
  let requested = false;
  layer.on('add', () => {
    if (requested) return;
    requested = true;
    fetch(url).then((response) => response.json()).then((data) => {
      // world-atlas ships TopoJSON: one shared arc per border, a third of the GeoJSON's size
      layer.addData(data.type === 'Topology' ? window.topojson.feature(data, data.objects.countries) : data);
      layer.bringToBack();
    }).catch(() => { requested = false; });
  });
  return layer;
}

/**
 * The notice that tiles failed, in `area` beside the map (the panel's head), never on it: on
 * a phone a notice on the map hid the markers under it, and one that took a row of the map's
 * height would have redrawn every layer. Shorter on a phone; a button dismisses it.
 */
function showTileNotice(area, small) {
  const bar = document.createElement('div');
  bar.className = 'map-notice';
  bar.setAttribute('role', 'status');
  const text = document.createElement('span');
  text.textContent = small ? 'Tiles could not be loaded: offline basemap.'
    : 'Base map tiles could not be loaded: showing the offline basemap (countries and place names).';
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'map-notice-close';
  close.setAttribute('aria-label', 'Dismiss the notice about tiles');
  close.textContent = '×';
  close.addEventListener('click', () => bar.remove());
  bar.append(text, close);
  area.append(bar);
}

/** Turn the offline basemap on when tiles keep failing and none has loaded, and say so in `noticeArea`. */
function fallBackWhenTilesFail(map, tiles, outlines, labels, noticeArea) {
  let failed = 0;
  let loaded = 0;
  tiles.on('tileload', () => { loaded += 1; });
  tiles.on('tileerror', () => {
    failed += 1;
    if (failed !== FAILED_TILES_BEFORE_FALLBACK || loaded > 0) return;
    if (!map.hasLayer(outlines)) map.addLayer(outlines);
    if (!map.hasLayer(labels)) map.addLayer(labels);
    map.getContainer().classList.add('offline');
    showTileNotice(noticeArea, map.getContainer().clientWidth < SMALL_MAP_WIDTH);
  });
}

/** The view as "zoom/lat/lon", as in the page URL's map= parameter. */
export function viewText(map) {
  const center = map.getCenter();
  return `${map.getZoom()}/${center.lat.toFixed(4)}/${center.lng.toFixed(4)}`;
}

/** Set the view from "zoom/lat/lon"; false when the text is not a view. */
export function restoreView(map, text) {
  const parts = (text || '').split('/').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isFinite(n))) return false;
  map.setView([parts[1], parts[2]], parts[0]);
  return true;
}

/** Fit the map to [minlon, minlat, maxlon, maxlat] boxes, or show the world. */
export function fitBoxes(map, boxes) {
  const valid = boxes.filter((b) => Array.isArray(b) && b.length === 4 && b.every(Number.isFinite));
  if (valid.length === 0) {
    map.fitBounds(WORLD);
    return;
  }
  const bounds = L.latLngBounds(valid.map((b) => [[b[1], b[0]], [b[3], b[2]]]).flat());
  map.fitBounds(bounds.pad(0.2), { maxZoom: 10 });
}

/** The visible area as a bbox (minlon, minlat, maxlon, maxlat) the API accepts. */
export function viewBbox(map) {
  const b = map.getBounds().pad(0.1);
  const clamp = (value, limit) => Math.max(-limit, Math.min(limit, value));
  return [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)]
    .map((n) => n.toFixed(4)).join(',');
}

/** A map in the element with base tiles, the fallback outlines (said so in `noticeArea`) and a layer control. */
export function createMap(element, config, noticeArea) {
  const map = L.map(element, { zoomControl: true, worldCopyJump: true, minZoom: 2 });
  const tiles = L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 });
  const outlines = outlinesLayer(config.countriesUrl);
  const labels = createLabels(map, viewBbox);
  fallBackWhenTilesFail(map, tiles, outlines, labels, noticeArea);
  tiles.addTo(map);
  L.control.layers(
    { 'OpenStreetMap tiles': tiles, 'No base map': L.layerGroup() },
    { 'Country outlines (offline)': outlines, 'Town and village labels (offline)': labels },
    // Open it only where it leaves room for the map: on a phone it would hide half of it.
    { collapsed: element.clientWidth < SMALL_MAP_WIDTH, position: 'topright' },
  ).addTo(map);
  L.control.scale({ position: 'bottomright' }).addTo(map);
  return map;
}

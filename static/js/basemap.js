// The offline basemap's place labels: gazetteer places chosen by zoom, asked for on every move.

import { fetchLabels } from './api.js';

const L = window.L;
const PANE = 'labels';

function labelMarker(place, className) {
  const text = document.createElement('span');
  text.textContent = place.name;
  text.dir = 'auto';
  const icon = L.divIcon({ html: text, className: `place-label ${className} feature-${place.feature}`, iconSize: null });
  return L.marker([place.lat, place.lon], { icon, pane: PANE, interactive: false, keyboard: false });
}

/** Pixels kept clear around a label. */
const LABEL_GAP = 3;

function overlaps(a, b) {
  return a.left < b.right + LABEL_GAP && b.left < a.right + LABEL_GAP
    && a.top < b.bottom + LABEL_GAP && b.top < a.bottom + LABEL_GAP;
}

/**
 * Hide each label that would overlap one drawn before it: the labels come most important
 * first (large towns, then smaller ones, then divisions), so on a phone around Baghdad the
 * city keeps its name and its suburbs give way instead of printing over it.
 */
export function declutter(group) {
  // All boxes are read first, then the classes written: one layout, not one per label
  // (a hidden label keeps its box: visibility, not display).
  const labels = group.getLayers().map((marker) => marker.getElement()).filter(Boolean)
    .map((element) => ({ element, box: element.firstElementChild.getBoundingClientRect() }));
  const drawn = [];
  for (const { element, box } of labels) {
    const hidden = drawn.some((other) => overlaps(box, other));
    element.classList.toggle('label-hidden', hidden);
    if (!hidden) drawn.push(box);
  }
  return drawn.length;
}

/** A layer of place labels for `map` that reloads for the view while it is on the map. */
export function createLabels(map, viewBbox) {
  if (!map.getPane(PANE)) {
    const pane = map.createPane(PANE);
    pane.style.zIndex = '450';
    pane.style.pointerEvents = 'none';
  }
  const group = L.layerGroup();
  let controller = null;
  const load = () => {
    if (!map.hasLayer(group)) return;
    if (controller) controller.abort();
    controller = new AbortController();
    const params = new URLSearchParams({ bbox: viewBbox(map), zoom: String(map.getZoom()) });
    fetchLabels(params, controller.signal).then((answer) => {
      group.clearLayers();
      for (const place of answer.places) group.addLayer(labelMarker(place, 'town-label'));
      for (const division of answer.divisions) group.addLayer(labelMarker(division, 'division-label'));
      map.getContainer().dataset.labels = String(declutter(group));
    }).catch((error) => { if (error.name !== 'AbortError') group.clearLayers(); });
  };
  group.on('add', load);
  map.on('moveend', load);
  return group;
}

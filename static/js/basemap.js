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
      for (const division of answer.divisions) group.addLayer(labelMarker(division, 'division-label'));
      for (const place of answer.places) group.addLayer(labelMarker(place, 'town-label'));
      map.getContainer().dataset.labels = String(answer.places.length + answer.divisions.length);
    }).catch((error) => { if (error.name !== 'AbortError') group.clearLayers(); });
  };
  group.on('add', load);
  map.on('moveend', load);
  return group;
}

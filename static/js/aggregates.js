// Server-side aggregates drawn as proportional symbols: one disc per cell, its slices the event types.

import { typeColour } from './symbols.js';

const L = window.L;
const number = new Intl.NumberFormat('en');
const MIN_SIZE = 26;
const MAX_SIZE = 72;

/** "1,234 incidents: 700 Battles, 534 Riots" — what a screen reader says for a cell. */
export function cellLabel(cell) {
  const parts = Object.entries(cell.by_type).sort((a, b) => b[1] - a[1])
    .map(([kind, count]) => `${number.format(count)} ${kind}`);
  return `${number.format(cell.count)} incident${cell.count === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** A conic gradient with one slice per event type, largest first. */
export function typeSlices(byType, total) {
  let start = 0;
  const stops = Object.entries(byType).sort((a, b) => b[1] - a[1]).map(([kind, count]) => {
    const end = start + (360 * count) / total;
    const stop = `${typeColour(kind)} ${start.toFixed(2)}deg ${end.toFixed(2)}deg`;
    start = end;
    return stop;
  });
  return `conic-gradient(${stops.join(', ')})`;
}

/**
 * A disc whose area grows with `counted.count` against `largest` (between `sizes` px), its
 * slices `counted.by_type` and the count written on it: a cell's or a division's symbol.
 */
export function countDisc(counted, largest, [least, most], discClass, iconClass) {
  // Area, not radius, in proportion to the count: a disc of twice the incidents looks twice as big.
  const size = Math.round(least + (most - least) * Math.sqrt(counted.count / largest));
  const disc = document.createElement('span');
  disc.className = discClass;
  disc.style.background = typeSlices(counted.by_type, counted.count);
  const count = document.createElement('span');
  count.className = 'aggregate-count';
  count.textContent = counted.count >= 10000 ? `${Math.round(counted.count / 1000)}k` : number.format(counted.count);
  disc.append(count);
  return L.divIcon({ html: disc, className: iconClass, iconSize: [size, size] });
}

/** Draw the cells of an aggregate answer into a layer group; a click zooms into the cell. */
export function drawCells(group, cells, layerId, map) {
  group.clearLayers();
  const largest = Math.max(1, ...cells.map((cell) => cell.count));
  for (const cell of cells) {
    const marker = L.marker([cell.lat, cell.lon], {
      icon: countDisc(cell, largest, [MIN_SIZE, MAX_SIZE], 'aggregate-disc', `aggregate layer-${layerId}`), title: cellLabel(cell), alt: cellLabel(cell),
      keyboard: true, riseOnHover: true,
    });
    marker.on('add', () => {
      const element = marker.getElement();
      element.setAttribute('aria-label', `${cellLabel(cell)}. Zoom in`);
      element.dataset.count = String(cell.count);
    });
    marker.on('click', () => {
      const [west, south, east, north] = cell.bbox;
      map.fitBounds([[south, west], [north, east]], { maxZoom: map.getZoom() + 3 });
    });
    group.addLayer(marker);
  }
}

/** Sum of the cells' counts per event type. */
export function countsByType(cells) {
  const byType = new Map();
  for (const cell of cells) {
    for (const [kind, count] of Object.entries(cell.by_type)) byType.set(kind, (byType.get(kind) || 0) + count);
  }
  return byType;
}

// The density layer: the filtered incidents as H3 hexagons coloured by count, with a legend.

import { fetchDensity } from './api.js';
import { viewBbox } from './map.js';
import { legendControl } from './legend.js';
import { toggleRow } from './layers.js';

const L = window.L;
const number = new Intl.NumberFormat('en');
const COLOURS = ['#fef0d9', '#fdcc8a', '#fc8d59', '#e34a33', '#b30000'];
const PANE = 'density';

/** Upper bounds of the colour classes: quantiles of the counts, rising, one per colour. */
export function classBreaks(counts) {
  const sorted = [...counts].sort((a, b) => a - b);
  if (!sorted.length) return [];
  const breaks = COLOURS.map((_, i) => sorted[Math.min(sorted.length - 1, Math.ceil(((i + 1) / COLOURS.length) * sorted.length) - 1)]);
  return breaks.filter((value, i) => i === 0 || value > breaks[i - 1]);
}

function colourOf(count, breaks) {
  const index = breaks.findIndex((upper) => count <= upper);
  return COLOURS[Math.round((index / Math.max(1, breaks.length - 1)) * (COLOURS.length - 1))] || COLOURS.at(-1);
}

function drawLegend(box, breaks, answer) {
  const title = document.createElement('strong');
  title.textContent = `Incidents per hexagon (H3 resolution ${answer.resolution})`;
  const rows = breaks.map((upper, i) => {
    const row = document.createElement('div');
    const swatch = document.createElement('span');
    swatch.className = 'density-swatch';
    swatch.style.background = colourOf(upper, breaks);
    const low = i === 0 ? 1 : breaks[i - 1] + 1;
    row.append(swatch, document.createTextNode(low === upper ? ` ${number.format(upper)}` : ` ${number.format(low)}–${number.format(upper)}`));
    return row;
  });
  const total = document.createElement('div');
  total.textContent = `${number.format(answer.numberMatched)} incidents in ${number.format(answer.cells.length)} hexagons`;
  box.replaceChildren(title, ...rows, total);
  box.dataset.total = String(answer.numberMatched);
}

/** The density layer's row in `list` and its hexagons on `map` (off until ticked). */
export function createDensity(map, list) {
  if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = '410'; // over the offline outlines (400), under labels and markers
  const group = L.layerGroup();
  const legend = legendControl('density-legend', 'Density legend: incidents per hexagon');
  const { row, box } = toggleRow('density', 'sym-density', 'Density (H3 hexagons)');
  let last = null;
  let controller = null;

  async function load() {
    if (!box.checked || !last) return;
    if (controller) controller.abort();
    controller = new AbortController();
    const { layerId, filters } = last;
    const params = new URLSearchParams(filters || {});
    params.set('bbox', viewBbox(map));
    params.set('zoom', String(map.getZoom()));
    const answer = filters === null || !layerId ? { numberMatched: 0, resolution: 0, cells: [] }
      : await fetchDensity(layerId, params, controller.signal);
    const breaks = classBreaks(answer.cells.map((cell) => cell.count));
    group.clearLayers();
    for (const cell of answer.cells) {
      const ring = cell.boundary.map(([lon, lat]) => [lat, lon]);
      group.addLayer(L.polygon(ring, {
        pane: PANE, weight: 0.5, color: '#7a3b00', fillColor: colourOf(cell.count, breaks), fillOpacity: 0.7,
        className: 'density-cell', interactive: true,
      }).bindTooltip(`${number.format(cell.count)} incidents`));
    }
    drawLegend(legend.getContainer(), breaks, answer);
  }
  const reload = () => load().catch((error) => { if (error.name !== 'AbortError') throw error; });

  box.addEventListener('change', () => {
    if (box.checked) { map.addLayer(group); legend.addTo(map); reload(); } else { map.removeLayer(group); legend.remove(); }
  });
  return {
    row,
    /** New filters (null: nothing matches) for a layer, or the same ones over a new view. */
    update(layerId, filters) {
      last = { layerId, filters };
      reload();
    },
  };
}

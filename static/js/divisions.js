// Counts per first-level division (admin1) as proportional discs at the divisions' points.

import { fetchDivisionCounts } from './api.js';
import { cellLabel, countDisc } from './aggregates.js';
import { legendControl } from './legend.js';
import { toggleRow } from './layers.js';

const L = window.L;
const number = new Intl.NumberFormat('en');
const PANE = 'divisions';
const MIN_SIZE = 22;
const MAX_SIZE = 80;

/** "Ninawa (IQ-NI): 9 incidents: 5 Protests, 4 Battles" — a division's accessible label. */
export function divisionLabel(division) {
  const name = division.name ? `${division.name}${division.code ? ` (${division.code})` : ''}`
    : `No division stated${division.country ? ` (${division.country})` : ''}`;
  return `${name}: ${cellLabel(division)}`;
}

function drawLegend(box, answer) {
  const title = document.createElement('strong');
  title.textContent = 'Incidents per division (admin1)';
  const total = document.createElement('div');
  total.textContent = `${number.format(answer.numberMatched)} incidents in ${number.format(answer.divisions.length)} divisions; disc area ∝ count`;
  box.replaceChildren(title, total);
  box.dataset.total = String(answer.numberMatched);
}

/**
 * The division layer's row in the layer list and its discs on `map` (off until ticked);
 * picking a disc of a known division calls `onPick(code)` (the page filters to it).
 */
export function createDivisions(map, onPick) {
  if (!map.getPane(PANE)) map.createPane(PANE).style.zIndex = '620'; // over the markers
  const group = L.layerGroup();
  const legend = legendControl('density-legend division-legend', 'Legend: incidents per first-level division');
  const { row, box } = toggleRow('divisions', 'sym-layer', 'Counts per division (admin1)');
  let last = null;
  let controller = null;

  function draw(answer) {
    group.clearLayers();
    const largest = Math.max(1, ...answer.divisions.map((d) => d.count));
    for (const division of answer.divisions) {
      const text = divisionLabel(division) + (division.code ? '. Pick to filter to it' : '');
      const marker = L.marker([division.lat, division.lon], {
        icon: countDisc(division, largest, [MIN_SIZE, MAX_SIZE], 'aggregate-disc division-disc', 'aggregate division'), title: divisionLabel(division), alt: text,
        keyboard: true, pane: PANE, riseOnHover: true,
      });
      marker.on('add', () => {
        const element = marker.getElement();
        element.setAttribute('aria-label', text);
        element.dataset.count = String(division.count);
        element.dataset.code = division.code || '';
      });
      if (division.code) marker.on('click', () => onPick(division.code));
      group.addLayer(marker);
    }
    drawLegend(legend.getContainer(), answer);
  }

  async function load() {
    if (!box.checked || !last) return;
    if (controller) controller.abort();
    controller = new AbortController();
    const { layerId, filters } = last;
    draw(filters === null || !layerId ? { numberMatched: 0, divisions: [] }
      : await fetchDivisionCounts(layerId, new URLSearchParams(filters), controller.signal));
  }
  const reload = () => load().catch((error) => { if (error.name !== 'AbortError') throw error; });

  box.addEventListener('change', () => {
    if (box.checked) { map.addLayer(group); legend.addTo(map); reload(); } else { map.removeLayer(group); legend.remove(); }
  });
  return {
    row,
    /** New filters (null: nothing matches) for a layer; the view does not change the counts. */
    update(layerId, filters) {
      const key = `${layerId}?${filters}`;
      if (last && last.key === key) return;
      last = { layerId, filters, key };
      reload();
    },
  };
}

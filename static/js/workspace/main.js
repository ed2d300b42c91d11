// The workspace's wiring: queue, editor, history, duplicates, import and the map.

import { call, setRoots } from './api.js';
import { button, el } from './dom.js';
import { createEditor } from './editor.js';
import { createHistory } from './history.js';
import { createImports } from './imports.js';
import { createWorkspaceMap } from './map.js';
import { createQueue } from './queue.js';

const root = document.getElementById('workspace');
const config = root.dataset;
const types = JSON.parse(config.eventTypes);
const canPublish = config.canPublish === '1';
setRoots(config.apiRoot, config.root);

const typeFilter = document.getElementById('queue-type');
typeFilter.append(...Object.keys(types).map((kind) => { const o = el('option', null, kind); o.value = kind; return o; }));

let editor;
const map = createWorkspaceMap(document.getElementById('ws-map'), config, {
  onPick: (id) => { editor.open(id); queue.select(id); },
  onClickMap: (point) => editor.create(point),
  onMove: (point) => editor.moved(point),
});

async function refreshMap() {
  const body = await call('GET', '/layers/incidents/features?limit=2000');
  map.show(body.features);
}

async function refresh() {
  await Promise.all([queue.load(), refreshMap()]);
  root.dataset.state = 'ready';
}

const history = createHistory(document.getElementById('history'), canPublish, () => refresh());
editor = createEditor(document.getElementById('editor'), types, canPublish, map, () => refresh());

async function showDuplicates(id) {
  const list = document.getElementById('duplicates');
  document.getElementById('duplicates-section').hidden = false;
  const { duplicates } = await call('GET', `/incidents/${encodeURIComponent(id)}/duplicates`);
  list.replaceChildren(...duplicates.map((d) => {
    const p = d.feature.properties;
    const li = el('li', 'ws-item');
    li.dataset.id = d.id;
    li.append(el('span', null, `${p.sub_event_type} — ${p.location || p.location_mention || '?'}, ${p.event_date}: ${d.distance_km} km, ${d.days_apart} day(s) apart, ${(p.source || {}).publisher || 'unknown source'}`));
    if (canPublish) {
      li.append(button('Merge into this one', async () => {
        await call('POST', '/incidents/merge', { ids: [id, d.id] });
        li.remove();
        const asked = new URLSearchParams(window.location.search).get('incident');
refresh().then(() => {
  if (asked) {
    editor.open(asked);
    history.show(asked);
  }
});
      }));
    }
    return li;
  }));
  if (!duplicates.length) list.append(el('li', 'ws-hint', 'No likely duplicates.'));
}

const queue = createQueue(document.getElementById('queue'), document.getElementById('queue-filters'),
  document.getElementById('queue-status'),
  { edit: (id) => editor.open(id), history: (id) => history.show(id), duplicates: showDuplicates,
    changed: () => refreshMap() }, canPublish);
createImports(document.getElementById('import-text'), document.getElementById('import-file'),
  document.getElementById('import-summary'), () => refresh());
const asked = new URLSearchParams(window.location.search).get('incident');
refresh().then(() => {
  if (asked) {
    editor.open(asked);
    history.show(asked);
  }
});

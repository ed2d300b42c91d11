// The review queue: drafts newest first, filtered like the map, with highlighted quotes,
// one-click actions and keyboard shortcuts.

import { call, permalink } from './api.js';
import { button, el } from './dom.js';
import { highlighted } from './highlight.js';

/** The queue over `list`; `actions` has edit(id), history(id), duplicates(id), changed(). */
export function createQueue(list, form, status, actions, canPublish) {
  let items = [];
  let selected = 0;
  const chosen = new Set();
  const mergeButton = document.getElementById('merge-selected');

  function params() {
    const data = new FormData(form);
    const query = new URLSearchParams({ status: 'draft', limit: '200' }); // newest event first
    for (const [key, value] of data) if (String(value).trim()) query.set(key, String(value).trim());
    return query;
  }

  async function load() {
    const body = await call('GET', `/layers/incidents/features?${params()}`);
    items = body.features;
    document.getElementById('queue-count').textContent = `(${body.numberMatched} drafts)`;
    render();
    return items;
  }

  function render() {
    list.replaceChildren(...items.map((feature, index) => row(feature, index)));
    selected = Math.min(selected, Math.max(0, items.length - 1));
    mark();
  }

  function row(feature, index) {
    const p = feature.properties;
    const li = el('li', 'ws-item');
    li.dataset.id = feature.id;
    li.tabIndex = -1;
    const pick = el('input');
    pick.type = 'checkbox';
    pick.title = 'select for merging';
    pick.checked = chosen.has(feature.id);
    pick.addEventListener('change', () => {
      if (pick.checked) chosen.add(feature.id); else chosen.delete(feature.id);
      mergeButton.disabled = !canPublish || chosen.size < 2;
    });
    const title = el('a', 'ws-item-title', `${p.sub_event_type} — ${p.location || p.location_mention || '?'}, ${p.event_date}`);
    title.href = permalink(feature.id);
    const head = el('div', 'ws-row');
    head.append(pick, title);
    li.append(head);
    if (p.quote) li.append(highlighted(p.quote, p));
    const tools = el('div', 'ws-row ws-tools');
    tools.append(button('Edit', () => actions.edit(feature.id)));
    if (canPublish) {
      tools.append(button('Publish', () => publish(feature.id), 'primary'),
        button('Reject', () => reject(feature.id)));
    }
    tools.append(button('History', () => actions.history(feature.id)),
      button('Duplicates', () => actions.duplicates(feature.id)));
    li.append(tools);
    li.addEventListener('click', () => { selected = index; mark(); });
    return li;
  }

  function mark() {
    [...list.children].forEach((li, index) => li.classList.toggle('selected', index === selected));
  }

  async function act(work, done) {
    try {
      await work();
      status.textContent = done;
      await load();
      actions.changed();
    } catch (error) {
      status.textContent = `Refused: ${error.message}`;
    }
  }

  function publish(id) {
    return act(() => call('POST', `/incidents/${encodeURIComponent(id)}/publish`), 'Published.');
  }

  function reject(id) {
    const reason = window.prompt('Why is this draft rejected?');
    if (reason === null) return Promise.resolve();
    return act(() => call('POST', `/incidents/${encodeURIComponent(id)}/reject`, { reason }), 'Rejected.');
  }

  mergeButton.addEventListener('click', () => {
    const ids = [...chosen];
    act(async () => {
      const survivor = await call('POST', '/incidents/merge', { ids });
      chosen.clear();
      mergeButton.disabled = true;
      status.textContent = `Merged into ${survivor.id}.`;
    }, `Merged ${ids.length} incidents into ${ids[0]}.`);
  });
  form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
  document.addEventListener('keydown', (event) => {
    if (event.target.closest('input, textarea, select') || event.ctrlKey || event.metaKey || event.altKey) return;
    const current = items[selected];
    const keys = {
      j: () => { selected = Math.min(items.length - 1, selected + 1); mark(); },
      k: () => { selected = Math.max(0, selected - 1); mark(); },
      e: () => current && actions.edit(current.id),
      h: () => current && actions.history(current.id),
      d: () => current && actions.duplicates(current.id),
      p: () => current && canPublish && publish(current.id),
      r: () => current && canPublish && reject(current.id),
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  return { load, select: (id) => { selected = Math.max(0, items.findIndex((f) => f.id === id)); mark(); } };
}

// An incident's history: versions with author, time and field-by-field changes; revert.

import { call } from './api.js';
import { button, el } from './dom.js';

function shown(value) {
  if (value === null || value === undefined) return '(none)';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The history panel over `list`; `onReverted()` after a revert. */
export function createHistory(list, canPublish, onReverted) {
  let incidentId = null;

  async function show(id) {
    incidentId = id;
    document.getElementById('history-section').hidden = false;
    const { versions } = await call('GET', `/incidents/${encodeURIComponent(id)}/history`);
    list.replaceChildren(...versions.slice().reverse().map((v) => row(v, versions.length)));
  }

  function row(version, latest) {
    const li = el('li', `ws-version action-${version.action}`);
    li.dataset.version = String(version.version);
    const head = el('div', 'ws-row');
    head.append(el('strong', null, `v${version.version} ${version.action}`),
      el('span', null, ` by ${version.author || 'import'} at ${version.at}`));
    if (version.reason) head.append(el('em', null, ` — ${version.reason}`));
    if (canPublish && version.feature && version.version !== latest) {
      head.append(button(`Revert to v${version.version}`, () => revert(version.version)));
    }
    li.append(head);
    if (version.changes.length) {
      const changes = el('ul', 'ws-changes');
      for (const change of version.changes) {
        const item = el('li');
        item.append(el('code', null, change.field), document.createTextNode(': '),
          el('del', null, shown(change.before)), document.createTextNode(' → '),
          el('ins', null, shown(change.after)));
        changes.append(item);
      }
      li.append(changes);
    }
    return li;
  }

  async function revert(number) {
    await call('POST', `/incidents/${encodeURIComponent(incidentId)}/revert`, { version: number });
    await show(incidentId);
    onReverted(incidentId);
  }

  return { show };
}

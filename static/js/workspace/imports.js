// Import from the page: a pasted report or an uploaded file, answered with the summary
// `geomap ingest` prints.

import { call } from './api.js';

/** Wire both import forms; `onImported()` after something was added. */
export function createImports(textForm, fileForm, summary, onImported) {
  async function send(form, event) {
    event.preventDefault();
    summary.textContent = 'Importing…';
    try {
      const answer = await call('POST', '/import', undefined, new FormData(form));
      summary.textContent = answer.lines.join('\n');
      if (answer.added) onImported(answer);
    } catch (error) {
      summary.textContent = `Refused: ${error.field ? `${error.field}: ` : ''}${error.message}`;
    }
  }
  textForm.addEventListener('submit', (event) => send(textForm, event));
  fileForm.addEventListener('submit', (event) => send(fileForm, event));
}

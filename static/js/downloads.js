// Download links: the features API's download=1 URLs with the filters the map shows.

import { featuresUrl } from './api.js';

/** The layer offered first: where extracted incidents go. */
const DEFAULT_LAYER = 'incidents';

/** The server's message for a refused download, or null once the download has begun. */
async function refusal(url) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  if (response.ok) {
    controller.abort(); // the browser downloads it itself, streamed to disk
    return null;
  }
  const body = await response.json().catch(() => ({}));
  const where = body.field ? `${body.field}: ` : '';
  return `Download refused (${response.status}): ${where}${body.message || response.statusText}`;
}

/** Check a download first, so that a refusal shows the server's message instead of nothing. */
async function startDownload(link, url, status) {
  status.textContent = 'Preparing the download…';
  const message = await refusal(url).catch((error) => `Download failed: ${error.message}`);
  status.textContent = message || '';
  if (message) return;
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = '';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}

/**
 * Keep the download links in `section` in step with the chosen layer and the filters;
 * `getBbox()` gives the map's extent for "only the current view".
 */
export function createDownloads(section, getBbox) {
  const select = section.querySelector('select');
  const links = [...section.querySelectorAll('a[download]')];
  const extent = section.querySelector('#dl-extent');
  const status = section.querySelector('.download-status');
  for (const link of links) {
    link.addEventListener('click', (event) => {
      if (!link.href) return;
      event.preventDefault();
      const url = new URL(link.href);
      if (extent.checked && link.dataset.whole !== '1') url.searchParams.set('bbox', getBbox());
      startDownload(link, url.href, status);
    });
  }
  let filters = new URLSearchParams();
  let unfiltered = new Set();

  const render = () => {
    const layerId = select.value;
    for (const link of links) {
      const reference = unfiltered.has(layerId);
      const whole = link.dataset.whole === '1' || reference;
      // Reference layers are not filtered and download as GeoJSON only.
      if (!layerId || (filters === null && !whole) || (reference && link.dataset.format)) {
        link.removeAttribute('href');
        link.setAttribute('aria-disabled', 'true');
        continue;
      }
      const params = whole ? new URLSearchParams() : new URLSearchParams(filters);
      params.set('download', '1');
      if (link.dataset.format) params.set('format', link.dataset.format);
      link.href = featuresUrl(layerId, params);
      link.removeAttribute('aria-disabled');
    }
  };
  select.addEventListener('change', render);

  return {
    /** The layers one can download ([{id, title}]) and the ids the filters do not apply to. */
    setLayers(layers, referenceIds = []) {
      unfiltered = new Set(referenceIds);
      select.replaceChildren(...layers.map((info) => new Option(info.title || info.id, info.id)));
      if (layers.some((info) => info.id === DEFAULT_LAYER)) select.value = DEFAULT_LAYER;
      render();
    },
    /** API filters (URLSearchParams), or null when nothing can match. */
    setFilters(next) {
      filters = next;
      render();
    },
  };
}

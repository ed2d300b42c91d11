// Download links: the features API's download=1 URLs with the filters the map shows.

import { featuresUrl } from './api.js';

/** The layer offered first: where extracted incidents go. */
const DEFAULT_LAYER = 'incidents';

/** Keep the download links in `section` in step with the chosen layer and the filters. */
export function createDownloads(section) {
  const select = section.querySelector('select');
  const links = [...section.querySelectorAll('a[download]')];
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

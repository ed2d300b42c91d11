// Calls to geomap's HTTP API; every function returns parsed JSON or throws an Error.

/** The largest page the features API returns in one request. */
export const MAX_LIMIT = 10000;

let root = '/api';

/** Set the API's base path (from the page's data-api-root). */
export function setApiRoot(path) {
  root = path.replace(/\/$/, '');
}

async function getJson(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    const where = body.field ? `${body.field}: ` : '';
    throw new Error(body.message ? `${where}${body.message}` : `${response.status} ${response.statusText}`);
  }
  return response.json();
}

/** Every layer: [{id, title, count, bbox, time_extent}]. */
export function fetchLayers(signal) {
  return getJson(`${root}/layers`, signal);
}

/** The URL of a layer's features for the given URLSearchParams. */
export function featuresUrl(layerId, params) {
  const query = params.toString();
  return `${root}/layers/${encodeURIComponent(layerId)}/features${query ? `?${query}` : ''}`;
}

/** One page of a layer's features as a GeoJSON FeatureCollection. */
export function fetchFeatures(layerId, params, signal) {
  return getJson(featuresUrl(layerId, params), signal);
}

/** The gazetteer's answer: {query, match, candidates}. */
export function searchPlace(query, signal) {
  const params = new URLSearchParams({ q: query });
  return getJson(`${root}/gazetteer/search?${params}`, signal);
}

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
    const error = new Error(body.message ? `${where}${body.message}` : `${response.status} ${response.statusText}`);
    error.field = body.field || null;
    error.detail = body.message || null;
    throw error;
  }
  return response.json();
}

/** Every layer: [{id, title, count, bbox, time_extent}]. */
export function fetchLayers(signal) {
  return getJson(`${root}/layers`, signal);
}

/** One incident, every property: a GeoJSON Feature. */
export function fetchIncident(id, signal) {
  return getJson(`${root}/incidents/${encodeURIComponent(id)}`, signal);
}

/** The URL of a layer's features for the given URLSearchParams. */
export function featuresUrl(layerId, params) {
  return layerUrl(layerId, 'features', params);
}

/** One page of a layer's features as a GeoJSON FeatureCollection. */
export function fetchFeatures(layerId, params, signal) {
  return getJson(featuresUrl(layerId, params), signal);
}

function layerUrl(layerId, what, params) {
  const query = params.toString();
  return `${root}/layers/${encodeURIComponent(layerId)}/${what}${query ? `?${query}` : ''}`;
}

/** Counts per map cell of every match: {numberMatched, cells: [{lon, lat, count, by_type, bbox}]}. */
export function fetchAggregate(layerId, params, signal) {
  return getJson(layerUrl(layerId, 'aggregate', params), signal);
}

/** H3 hexagons of the matches in view: {numberMatched, resolution, cells: [{h3, count, boundary}]}. */
export function fetchDensity(layerId, params, signal) {
  return getJson(layerUrl(layerId, 'density', params), signal);
}

/** Stored actors holding `text`: {actors: [{name, count}]}, most named first. */
export function fetchActors(layerId, text, signal) {
  return getJson(layerUrl(layerId, 'actors', new URLSearchParams(text ? { q: text } : {})), signal);
}

/** Counts per day, week or month: {interval, numberMatched, buckets: [{start, count, fatalities, by_type}]}. */
export function fetchHistogram(layerId, params, signal) {
  return getJson(layerUrl(layerId, 'histogram', params), signal);
}

/** Basemap labels for a view: {zoom, places: [{name, lon, lat, feature, population}], divisions}. */
export function fetchLabels(params, signal) {
  return getJson(`${root}/gazetteer/labels?${params}`, signal);
}

/**
 * First-level divisions of some countries (codes, comma-separated; all when empty): {divisions};
 * with a typed `text`, at most 20, those it names or starts: {divisions, named}.
 */
export function fetchDivisions(countries, text, signal) {
  const params = new URLSearchParams(countries ? { country: countries } : {});
  if (text) params.set('q', text);
  return getJson(`${root}/gazetteer/divisions?${params}`, signal);
}

/** Counts per first-level division of every match: {numberMatched, divisions: [{code, name, count, by_type, lon, lat}]}. */
export function fetchDivisionCounts(layerId, params, signal) {
  return getJson(layerUrl(layerId, 'admin1', params), signal);
}

/** The gazetteer's answer: {query, match, candidates}. */
export function searchPlace(query, signal) {
  const params = new URLSearchParams({ q: query });
  return getJson(`${root}/gazetteer/search?${params}`, signal);
}

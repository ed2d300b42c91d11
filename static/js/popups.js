// Popup contents, built from elements and textContent only: incident text is never parsed as HTML.

const GEO_PRECISION = {
  1: 'exact: the named place itself',
  2: 'approximate: near the place, or part of a small region',
  3: 'rough: only a larger region is named; its centre is shown',
};
const TIME_PRECISION = { 2: 'the date is known within a week', 3: 'the date is known within a month' };

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) {
    node.textContent = String(text);
    node.dir = 'auto'; // Arabic names and quotes run right to left, Latin ones left to right
  }
  return node;
}

function stated(value) {
  return value === null || value === undefined ? 'not stated' : String(value);
}

/** A link when the URL is http(s), otherwise plain text: no javascript: or data: links. */
export function safeLink(url, text) {
  let parsed = null;
  try {
    parsed = new URL(url);
  } catch {
    return el('span', null, text);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return el('span', null, text);
  const link = el('a', null, text);
  link.href = parsed.href;
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  return link;
}

function addRow(list, term, ...values) {
  const shown = values.filter((value) => value !== null && value !== undefined && value !== '');
  if (shown.length === 0) return;
  list.append(el('dt', null, term));
  const dd = el('dd');
  dd.dir = 'auto';
  shown.forEach((value, index) => {
    if (index) dd.append(el('br'));
    dd.append(value instanceof Node ? value : document.createTextNode(String(value)));
  });
  list.append(dd);
}

function whenText(p) {
  const when = [p.event_date, p.event_time].filter(Boolean).join(' at ');
  return TIME_PRECISION[p.time_precision] ? `${when} (${TIME_PRECISION[p.time_precision]})` : when;
}

function placeText(p) {
  const resolved = [p.location, p.admin1, p.country].filter(Boolean).join(', ');
  const asWritten = p.location_mention && p.location_mention !== p.location
    ? `“${p.location_mention}” as written; ` : '';
  return `${asWritten}${resolved}`;
}

function sourceNode(source) {
  if (!source) return null;
  const title = source.title || source.url || source.document || 'source';
  const node = el('span');
  node.append(source.url ? safeLink(source.url, title) : el('cite', null, title));
  const rest = [source.publisher, source.published, source.document].filter(Boolean);
  if (rest.length) node.append(document.createTextNode(` — ${rest.join(', ')}`));
  return node;
}

/** The popup of an incident Feature. */
export function incidentPopup(feature) {
  const p = feature.properties || {};
  const box = el('article', 'popup');
  box.append(el('h3', null, whenText(p)));
  box.append(el('p', 'popup-type', [p.event_type, p.sub_event_type].filter(Boolean).join(' — ')));
  const facts = el('dl');
  addRow(facts, 'Place', placeText(p), p.geo_precision ? `Precision: ${GEO_PRECISION[p.geo_precision] || p.geo_precision}` : null);
  addRow(facts, 'Casualties', `killed: ${stated(p.fatalities)}, injured: ${stated(p.injuries)}`);
  addRow(facts, 'Actors', p.actor1, p.actor2 ? `against ${p.actor2}` : null);
  box.append(facts);
  if (p.summary) box.append(el('p', 'popup-summary', p.summary));
  if (p.quote) box.append(el('blockquote', 'popup-quote', p.quote));
  const footer = el('dl', 'popup-source');
  addRow(footer, 'Source', sourceNode(p.source));
  addRow(footer, 'Status', p.status, p.id ? `id ${p.id}` : null);
  if (p.id) {
    const link = el('a', 'popup-permalink', 'Permalink: sources, quote and history');
    link.href = new URL(`incidents/${encodeURIComponent(p.id)}`, document.baseURI).href;
    box.append(link);
  }
  box.append(footer);
  return box;
}

/** The popup of a reference site or of any Feature that is not an incident. */
export function sitePopup(feature) {
  const p = feature.properties || {};
  const box = el('article', 'popup');
  box.append(el('h3', null, p.name || p.title || p.id || feature.id || 'Site'));
  const facts = el('dl');
  for (const [key, value] of Object.entries(p)) {
    if (['name', 'title'].includes(key) || value === null || typeof value === 'object') continue;
    addRow(facts, key.replace(/_/g, ' '), key === 'url' ? safeLink(value, value) : value);
  }
  box.append(facts);
  return box;
}

/** The popup of any feature: incidents have an event type. */
export function featurePopup(feature) {
  return feature.properties && feature.properties.event_type ? incidentPopup(feature) : sitePopup(feature);
}

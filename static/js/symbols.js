// Map symbols: one colour and shape per event type (drawn by CSS), reference sites, clusters.

const L = window.L;
const SIZE = 18;
const icons = new Map();
const colours = new Map();
let slugs = {};

/** Learn each event type's CSS name, e.g. {"Battles": "battles"}. */
export function setEventTypes(typeSlugs) {
  slugs = typeSlugs;
}

/** The CSS name of an event type ('other' when unknown). */
export function typeSlug(eventType) {
  return slugs[eventType] || 'other';
}

/** The colour the stylesheet gives an event type's symbol (its --fill). */
export function typeColour(eventType) {
  const slug = typeSlug(eventType);
  if (!colours.has(slug)) {
    const probe = document.createElement('span');
    probe.className = `sym sym-${slug}`;
    probe.hidden = true;
    document.body.append(probe);
    colours.set(slug, getComputedStyle(probe).getPropertyValue('--fill').trim() || '#888');
    probe.remove();
  }
  return colours.get(slug);
}

function cachedIcon(key, className) {
  if (!icons.has(key)) {
    icons.set(key, L.divIcon({
      className, html: '', iconSize: [SIZE, SIZE], iconAnchor: [SIZE / 2, SIZE / 2],
      popupAnchor: [0, -SIZE / 2],
    }));
  }
  return icons.get(key);
}

/** The marker icon of an incident of this event type and status (drafts drawn apart) in a layer. */
export function incidentIcon(layerId, eventType, status = 'published') {
  const slug = typeSlug(eventType);
  const state = status === 'draft' ? 'draft' : 'published';
  return cachedIcon(`${layerId}/${slug}/${state}`, `marker sym sym-${slug} layer-${layerId} status-${state}`);
}

/** The marker icon of a reference site (a base or an airport). */
export function siteIcon(layerId) {
  return cachedIcon(`${layerId}/site`, `marker sym sym-site layer-${layerId}`);
}

/** A cluster-icon factory for a layer: a disc with the number of features in it. */
export function clusterIconFactory(layerId, reference = false) {
  return (cluster) => {
    const count = cluster.getChildCount();
    const size = (reference ? -6 : 0) + (count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 42 : 48);
    const label = document.createElement('span');
    label.textContent = String(count);
    return L.divIcon({
      html: label, className: `cluster layer-${layerId}${reference ? ' reference' : ''}`,
      iconSize: [size, size],
    });
  };
}

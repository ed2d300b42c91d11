// The workspace's map: drafts and published incidents drawn apart, a draggable marker for
// the incident being edited, and a click on the map to start a new one.

const STYLE = {
  draft: { radius: 7, color: '#b45309', weight: 2, dashArray: '3 3', fillColor: '#fbbf24', fillOpacity: 0.7 },
  published: { radius: 7, color: '#1d4ed8', weight: 2, fillColor: '#60a5fa', fillOpacity: 0.8 },
};

/** A Leaflet map in `element`, with a layer of incidents and one editing marker. */
export function createWorkspaceMap(element, config, { onPick, onClickMap, onMove }) {
  const map = L.map(element, { zoomControl: true }).setView([34.5, 42.5], 6);
  L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 18 }).addTo(map);
  const incidents = L.layerGroup().addTo(map);
  let editing = null;
  map.on('click', (event) => onClickMap([event.latlng.lng, event.latlng.lat]));
  return {
    map,
    show(features) {
      incidents.clearLayers();
      for (const feature of features) {
        if (feature.geometry.type !== 'Point') continue;
        const [lon, lat] = feature.geometry.coordinates;
        const status = feature.properties.status === 'published' ? 'published' : 'draft';
        const marker = L.circleMarker([lat, lon], { ...STYLE[status], className: `ws-marker status-${status}` });
        marker.featureId = feature.id;
        marker.on('click', (event) => { L.DomEvent.stopPropagation(event); onPick(feature.id); });
        marker.addTo(incidents);
      }
    },
    /** Put the draggable marker at [lon, lat] (null removes it) and centre on it. */
    edit(point) {
      if (editing) editing.remove();
      editing = null;
      if (!point) return;
      editing = L.marker([point[1], point[0]], { draggable: true, title: 'Drag to move the incident', alt: 'incident being edited' });
      editing.on('dragend', () => {
        const at = editing.getLatLng();
        onMove([Number(at.lng.toFixed(6)), Number(at.lat.toFixed(6))]);
      });
      editing.addTo(map);
      map.setView([point[1], point[0]], Math.max(map.getZoom(), 9), { animate: false });
    },
  };
}

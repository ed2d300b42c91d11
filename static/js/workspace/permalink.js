// The permalink page's small map: the incident's geometry from data-geometry.

const box = document.getElementById('small-map');
const config = box.dataset;
const map = L.map(box, { scrollWheelZoom: false });
L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 18 }).addTo(map);
const shape = L.geoJSON(JSON.parse(config.geometry), {
  pointToLayer: (feature, latlng) => L.circleMarker(latlng, { radius: 8, className: 'ws-marker' }),
}).addTo(map);
map.fitBounds(shape.getBounds(), { maxZoom: 11 });
box.dataset.state = 'ready';

// The place search box: asks the gazetteer, flies to the match, lists the other candidates.

import { searchPlace } from './api.js';

const L = window.L;
const ZOOM_BY_FEATURE = { country: 6, region: 8, division: 8, admin1: 8, admin2: 9, city: 11, town: 12, village: 13 };
const DEFAULT_ZOOM = 12;

function placeLine(place) {
  const where = [place.admin1, place.country].filter(Boolean).join(', ');
  return `${place.name}${where ? ` (${where})` : ''}${place.feature ? ` — ${place.feature}` : ''}`;
}

function flyTo(s, place) {
  const latlng = [place.lat, place.lon];
  s.map.flyTo(latlng, ZOOM_BY_FEATURE[place.feature] || DEFAULT_ZOOM, { duration: 0.8 });
  s.ring.setLatLng(latlng).addTo(s.map);
}

function candidateList(s, candidates) {
  const list = document.createElement('ul');
  list.className = 'candidates';
  for (const place of candidates) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    button.textContent = placeLine(place);
    button.addEventListener('click', () => flyTo(s, place));
    const item = document.createElement('li');
    item.append(button);
    list.append(item);
  }
  return list;
}

/** Show the gazetteer's answer and fly to its match. */
function show(s, answer, query) {
  const head = document.createElement('p');
  if (answer.match) {
    head.textContent = `Found ${placeLine(answer.match)}`;
    if (answer.match.why) head.title = answer.match.why;
    flyTo(s, answer.match);
  } else {
    head.className = 'no-place';
    head.textContent = `No place found for “${query}”.`;
  }
  s.output.replaceChildren(head);
  const matchId = answer.match && answer.match.gazetteer_id;
  const others = (answer.candidates || []).filter((c) => c.gazetteer_id !== matchId);
  if (others.length) {
    const note = document.createElement('p');
    note.className = 'hint';
    note.textContent = answer.match ? 'Other candidates:' : 'Did you mean:';
    s.output.append(note, candidateList(s, others));
  }
}

async function search(s, query) {
  if (s.controller) s.controller.abort();
  s.controller = new AbortController();
  s.output.textContent = 'Searching…';
  try {
    show(s, await searchPlace(query, s.controller.signal), query);
  } catch (error) {
    if (error.name !== 'AbortError') s.output.textContent = `Search failed: ${error.message}`;
  }
}

/** Wire the search form: results go in `output`, the map flies to the chosen place. */
export function createSearch(form, output, map) {
  const ring = L.circleMarker([0, 0], { radius: 14, color: '#111', weight: 2, fill: false, interactive: false });
  const s = { map, output, ring, controller: null };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = form.elements.namedItem('q').value.trim();
    if (query) search(s, query);
  });
}

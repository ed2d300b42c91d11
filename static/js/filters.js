// Filter state: the form's values ↔ the page URL's query string ↔ API parameters.

/** Query parameters the features API understands, in the order the URL shows them. */
export const FILTER_KEYS = ['start', 'end', 'type', 'sub_type', 'country', 'admin1', 'actor', 'q',
  'min_fatalities', 'precision', 'status'];
/** In the page URL only: no event type is selected, so nothing matches. */
const NO_TYPE = 'none';
const TYPING_DELAY_MS = 350;

function typeBoxes(form) {
  return [...form.querySelectorAll('input[type=checkbox][name=type]')];
}

/** The form's filters as URLSearchParams: empty fields are left out. */
export function readFilters(form) {
  const params = new URLSearchParams();
  const boxes = typeBoxes(form);
  const checked = boxes.filter((box) => box.checked).map((box) => box.value);
  for (const key of FILTER_KEYS) {
    if (key === 'type') {
      if (checked.length === 0) params.set('type', NO_TYPE);
      else if (checked.length < boxes.length) params.set('type', checked.join(','));
      continue;
    }
    const field = form.elements.namedItem(key);
    const value = field ? field.value.trim() : '';
    if (value) params.set(key, value);
  }
  return params;
}

/** Put URLSearchParams' filters into the form; absent ones are cleared. */
export function writeFilters(form, params) {
  const types = params.get('type');
  const wanted = types === null ? null : new Set(types.split(','));
  for (const box of typeBoxes(form)) box.checked = wanted === null || wanted.has(box.value);
  for (const key of FILTER_KEYS) {
    const field = form.elements.namedItem(key);
    if (key !== 'type' && field) field.value = params.get(key) || '';
  }
}

/** The API parameters for a filter state, or null when it can match nothing. */
export function apiParams(filters) {
  if (filters.get('type') === NO_TYPE) return null;
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    if (filters.has(key)) params.set(key, filters.get(key));
  }
  return params;
}

/** A query string that keeps , / : readable: they are safe in a query's values. */
function queryText(params) {
  const text = params.toString().replace(/%2C/gi, ',').replace(/%2F/gi, '/').replace(/%3A/gi, ':');
  return text ? `?${text}` : '';
}

/** Merge values into the page URL's query string without adding a history entry. */
export function updateUrl(values) {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === '') url.searchParams.delete(key);
    else url.searchParams.set(key, value);
  }
  window.history.replaceState(null, '', `${url.pathname}${queryText(url.searchParams)}${url.hash}`);
}

/** Replace the filter part of the page URL with the given filters. */
export function saveFiltersToUrl(filters) {
  const values = Object.fromEntries(FILTER_KEYS.map((key) => [key, filters.get(key)]));
  updateUrl(values);
}

/** The page URL's query parameters. */
export function urlParams() {
  return new URL(window.location.href).searchParams;
}

/**
 * Call onChange(filters) whenever a named field of the form changes; typing is debounced.
 * Returns a function that applies the form's current values at once.
 */
export function watchFilters(form, onChange) {
  let timer = null;
  const fire = () => {
    clearTimeout(timer);
    const filters = readFilters(form);
    saveFiltersToUrl(filters);
    onChange(filters);
  };
  form.addEventListener('change', (event) => { if (event.target.name) fire(); });
  form.addEventListener('input', (event) => {
    const { name, type, tagName } = event.target;
    if (!name || type === 'checkbox' || type === 'date' || tagName === 'SELECT') return;
    clearTimeout(timer);
    timer = setTimeout(fire, TYPING_DELAY_MS);
  });
  form.addEventListener('submit', (event) => { event.preventDefault(); fire(); });
  form.addEventListener('reset', () => setTimeout(fire, 0));
  return fire;
}

// Pickers for filters typed by name: countries by name or ISO code, resolved to the codes the API takes.

/** name (lower case) → code, from the page's datalist of countries ("Syria (SY)"). */
function countryIndex(list) {
  const byName = new Map();
  const names = new Map();
  for (const option of list.options) {
    const code = option.dataset.code;
    const name = option.value.replace(/\s*\([A-Z]{2}\)$/, '');
    names.set(code, name);
    for (const key of [option.value, name, option.dataset.official, code]) {
      if (key) byName.set(key.toLowerCase(), code);
    }
  }
  return { byName, names };
}

/** {codes, names} of a typed list of countries, or {error} naming what is not a country. */
export function resolveCountries(text, index) {
  const codes = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const code = index.byName.get(part.toLowerCase());
    if (!code) {
      const near = [...index.names.values()].filter((n) => n.toLowerCase().startsWith(part.toLowerCase().slice(0, 3)));
      const hint = near.length ? `; did you mean ${near.slice(0, 3).join(', ')}?` : ': pick one from the list';
      return { error: `“${part}” is not a country name or ISO code${hint}` };
    }
    if (!codes.includes(code)) codes.push(code);
  }
  return { codes, names: codes.map((code) => `${index.names.get(code)} (${code})`) };
}

/**
 * Resolve the country field before the filters read it: a name becomes its code, the names
 * show beside the field, and text that is no country marks the field invalid.
 */
export function createCountryPicker(form, input, list, note, showError) {
  const index = countryIndex(list);
  const resolve = () => {
    const answer = resolveCountries(input.value, index);
    if (answer.error) {
      showError(input, answer.error);
      note.textContent = '';
      return;
    }
    showError(input, null);
    input.value = answer.codes.join(',');
    note.textContent = answer.names.join(', ');
  };
  // Capture: this runs before the form's own change listener reads the value.
  form.addEventListener('change', (event) => { if (event.target === input) resolve(); }, true);
  input.addEventListener('keydown', (event) => { if (event.key === 'Enter') resolve(); });
  if (input.value) resolve();
}

const SUGGEST_DELAY_MS = 250;

/** Suggest stored actors under the actor field as the user types (`fetchActors(text, signal)`). */
export function createActorSuggestions(input, fetchActors) {
  const list = document.createElement('datalist');
  list.id = `${input.id}-suggestions`;
  input.after(list);
  input.setAttribute('list', list.id);
  let timer = null;
  let controller = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (controller) controller.abort();
      controller = new AbortController();
      fetchActors(input.value.trim(), controller.signal).then((answer) => {
        list.replaceChildren(...answer.actors.map((actor) => {
          const option = document.createElement('option');
          option.value = actor.name;
          option.label = `${actor.name} (${actor.count})`;
          return option;
        }));
      }).catch(() => {});
    }, SUGGEST_DELAY_MS);
  });
}

/** {codes, names} of a typed list of divisions (codes or any of their names), or {error}. */
export function resolveDivisions(text, divisions, countries) {
  const codes = [];
  const names = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const wanted = part.replace(/\s*\([A-Z]{2}-[A-Z0-9]{1,3}\)$/i, '').toLowerCase();
    const found = divisions.find((d) => d.code.toLowerCase() === wanted)
      || divisions.find((d) => d.names.some((name) => name.toLowerCase() === wanted));
    if (!found) {
      const where = countries.length ? ` of ${countries.join(', ')}` : '';
      return { error: `“${part}” is not a first-level division${where}: pick one from the list` };
    }
    if (!codes.includes(found.code)) {
      codes.push(found.code);
      names.push(`${found.name} (${found.code})`);
    }
  }
  return { codes, names };
}

/**
 * The division (admin1) field: its list follows the country field (`fetchDivisions(countries)`
 * answers {divisions}); a typed name or code becomes the division's ISO 3166-2 code, its name
 * shows beside the field, and text that is no division marks the field invalid.
 */
export function createDivisionPicker(form, input, countryInput, list, note, fetchDivisions, showError) {
  let loaded = null; // {countries, divisions} of the last list fetched
  const countries = () => countryInput.value.split(',').map((c) => c.trim()).filter((c) => /^[A-Z]{2}$/.test(c));
  const load = async () => {
    const wanted = countries().join(',');
    if (loaded && loaded.countries === wanted) return loaded.divisions;
    const answer = await fetchDivisions(wanted);
    loaded = { countries: wanted, divisions: answer.divisions };
    list.replaceChildren(...answer.divisions.map((d) => {
      const option = document.createElement('option');
      option.value = `${d.name} (${d.code})`;
      return option;
    }));
    return answer.divisions;
  };
  const resolve = (divisions) => {
    const answer = resolveDivisions(input.value, divisions, countries());
    showError(input, answer.error || null);
    if (answer.error) { note.textContent = ''; return; }
    input.value = answer.codes.join(',');
    note.textContent = answer.names.join(', ');
  };
  form.addEventListener('change', (event) => {
    if (event.target !== input || !input.value.trim()) {
      if (event.target === input) { showError(input, null); note.textContent = ''; }
      return;
    }
    const current = loaded && loaded.countries === countries().join(',') ? loaded.divisions : null;
    if (current) { resolve(current); return; }
    event.stopImmediatePropagation(); // the filters read the field once it is resolved
    load().then((divisions) => {
      resolve(divisions);
      input.dispatchEvent(new Event('change', { bubbles: true }));
    }).catch((error) => showError(input, `Could not load the divisions: ${error.message}`));
  }, true);
  input.addEventListener('focus', () => { load().catch(() => {}); });
  input.addEventListener('keydown', (event) => {
    // Before the form's submit reads it; an unresolved name is resolved by the server alike.
    if (event.key === 'Enter' && input.value.trim() && loaded) resolve(loaded.divisions);
  });
  if (input.value) load().then(resolve).catch(() => {});
}

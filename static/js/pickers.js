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

/** A typed part without the " (IQ-NI)" that a suggestion adds to the name. */
function withoutCode(part) {
  return part.replace(/\s*\([A-Z]{2}-[A-Z0-9]{1,3}\)$/i, '');
}

/** The division a typed part names in `divisions`: by code, by one of its names, or as the server read it (`named`). */
function findDivision(part, divisions, named = []) {
  const wanted = withoutCode(part).toLowerCase();
  return divisions.find((d) => d.code.toLowerCase() === wanted)
    || divisions.find((d) => d.names.some((name) => name.toLowerCase() === wanted))
    || divisions.find((d) => named.includes(d.code)) || null;
}

/**
 * The division (admin1) field. Its suggestions are the divisions of the countries in the
 * country field or, when none is given, the few that the typed text names or starts (never
 * all 3,319): `fetchDivisions(countries, text)` answers {divisions, named}. A typed name,
 * code or other spelling (read by the server as the filter reads it: "Ninewa" in Iraq is
 * Ninawa) becomes the division's ISO 3166-2 code, its name shows beside the field, and text
 * that is no division marks the field invalid.
 */
export function createDivisionPicker(form, input, countryInput, list, note, fetchDivisions, showError) {
  let shown = null; // {key, divisions} of the suggestions in the list
  let timer = null;
  let resolved = null; // the field's value as last resolved: its change passes through
  const countries = () => countryInput.value.split(',').map((c) => c.trim()).filter((c) => /^[A-Z]{2}$/.test(c));
  const suggest = async (text) => {
    const wanted = countries().join(',');
    const key = wanted || `text:${text.toLowerCase()}`;
    if (shown && shown.key === key) return;
    const answer = wanted || text ? await fetchDivisions(wanted, wanted ? '' : text) : { divisions: [] };
    shown = { key, divisions: answer.divisions };
    list.replaceChildren(...answer.divisions.map((d) => {
      const option = document.createElement('option');
      option.value = `${d.name} (${d.code})`;
      return option;
    }));
  };
  const find = async (part) => {
    const here = shown && findDivision(part, shown.divisions);
    if (here) return here;
    const answer = await fetchDivisions(countries().join(','), withoutCode(part));
    return findDivision(part, answer.divisions, answer.named);
  };
  const fail = (part) => {
    const where = countries().length ? ` of ${countries().join(', ')}` : '';
    showError(input, `“${part}” is not a first-level division${where}: pick one from the list`);
    note.textContent = '';
    resolved = input.value;
  };
  const resolve = async () => {
    const found = [];
    for (const part of input.value.split(',').map((p) => p.trim()).filter(Boolean)) {
      const division = await find(part);
      if (!division) return fail(part);
      if (!found.includes(division)) found.push(division);
    }
    showError(input, null);
    input.value = resolved = [...new Set(found.map((d) => d.code))].join(',');
    note.textContent = found.map((d) => `${d.name} (${d.code})`).join(', ');
    return undefined;
  };
  form.addEventListener('change', (event) => {
    if (event.target !== input) return;
    if (!input.value.trim()) {
      showError(input, null);
      note.textContent = '';
      return;
    }
    if (input.value === resolved) return; // resolved already: the filters read it
    event.stopImmediatePropagation(); // the filters read the field once it is resolved
    resolve().then(() => input.dispatchEvent(new Event('change', { bubbles: true })))
      .catch((error) => showError(input, `Could not load the divisions: ${error.message}`));
  }, true);
  input.addEventListener('focus', () => { suggest(input.value.trim()).catch(() => {}); });
  input.addEventListener('input', () => {
    clearTimeout(timer);
    if (countries().length) return; // the countries' whole lists are there already
    timer = setTimeout(() => { suggest(withoutCode(input.value.split(',').at(-1).trim())).catch(() => {}); },
      SUGGEST_DELAY_MS);
  });
  if (input.value) resolve().catch(() => {});
}

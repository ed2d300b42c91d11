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

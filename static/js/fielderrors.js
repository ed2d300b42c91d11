// Messages beside the filter field they are about (from the pickers or from the API's 400 `field`).

/** Show `message` beside `input` and mark it invalid (`source` says who found it); null clears both. */
export function showFieldError(input, message, source = 'page') {
  const id = `${input.id}-error`;
  let box = document.getElementById(id);
  if (!message) {
    if (box) box.remove();
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', (input.getAttribute('aria-describedby') || '').replace(id, '').trim());
    return;
  }
  if (!box) {
    box = document.createElement('span');
    box.id = id;
    box.className = 'field-error';
    box.setAttribute('role', 'alert');
    input.insertAdjacentElement('afterend', box);
    input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') || ''} ${id}`.trim());
  }
  box.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  input.dataset.errorSource = source;
}

/** The form's field an API error names (`field` as the API spells the parameter), if any. */
export function fieldNamed(form, name) {
  const field = name ? form.elements.namedItem(name) : null;
  return field instanceof HTMLElement && field.id ? field : null;
}

/** Clear the field errors that `source` found (the API's are stale once the filters change). */
export function clearFieldErrors(form, source) {
  for (const input of form.querySelectorAll('[aria-invalid=true]')) {
    if (input.dataset.errorSource === source) showFieldError(input, null);
  }
}

// Calls to the API from the workspace: the session's CSRF token rides on every write.

let root = '/api';
let base = '';
let csrf = null;

/** Set the API's base path and the site's root (from data-api-root and data-root). */
export function setRoots(apiRoot, siteRoot) {
  root = apiRoot.replace(/\/$/, '');
  base = siteRoot.replace(/\/$/, '');
}

async function token() {
  if (csrf === null) {
    const response = await fetch(`${base}/session`, { headers: { Accept: 'application/json' } });
    csrf = (await response.json()).csrf_token;
  }
  return csrf;
}

/** An Error carrying the API's `field` and `message`, and its HTTP status. */
async function failure(response) {
  const body = await response.json().catch(() => ({}));
  const error = new Error(body.message || `${response.status} ${response.statusText}`);
  error.field = body.field || null;
  error.status = response.status;
  return error;
}

/** Send a request under /api; the parsed JSON answer (null for 204), or throw. */
export async function call(method, path, body, form) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRFToken'] = await token();
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  // no-store: the queue must show what was just written, not a page cached 30 s ago
  const response = await fetch(`${root}${path}`, { method, headers, body: payload, cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) throw await failure(response);
  return response.status === 204 ? null : response.json();
}

/** The URL of an incident's permalink page. */
export function permalink(id) {
  return `${base}/incidents/${encodeURIComponent(id)}`;
}

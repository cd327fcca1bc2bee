// The finance API, from the page's own origin. The bearer token lives in this tab's
// sessionStorage and travels only in the Authorization header: never in a URL, never logged.
const TOKEN_KEY = 'console.token';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

async function request(path, accept, signal, token = session.token) {
  const response = await fetch(path, {
    headers: { Accept: accept, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    signal,
    cache: 'no-store',
  });
  if (!response.ok) throw new ApiError(response.status, await errorMessage(response));
  return response;
}

/** The API's own message (Nest answers `{ statusCode, message, error }`), else the status line. */
async function errorMessage(response) {
  try {
    const body = await response.json();
    const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    return `${response.status} ${body.error ?? response.statusText}: ${message ?? ''}`.trim();
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

export async function getJson(path, { signal, token } = {}) {
  return (await request(path, 'application/json', signal, token)).json();
}

/** Downloads what the API serves as CSV for `path` (same query), as a file named by the API. */
export async function downloadCsv(path, fallbackName) {
  const response = await request(path, 'text/csv');
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

// Fetch a URL for an import.

export class Refused extends Error {} // the URL may not be fetched (422)
export class FetchFailed extends Error {} // fetching it failed (502)

// The text at `url`.
export async function fetchText(url) {
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    throw new FetchFailed(`could not be fetched (${err.cause?.code || err.message})`);
  }
  if (!res.ok) throw new FetchFailed(`the server answered ${res.status}`);
  return res.text();
}

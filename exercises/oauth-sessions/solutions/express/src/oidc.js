// The OpenID Connect client: discovery, the authorization URL with PKCE, the code exchange,
// ID token validation against the provider's JWKS (jose), and userinfo.
import crypto from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { config } from './config.js';

// A sign-in that must be refused; status is the answer to the browser.
export class LoginError extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}

let metadataPromise = null;
let jwks = null;

async function fetchJson(url, options = {}) {
  let resp;
  try {
    resp = await fetch(url, { ...options, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new LoginError(`the provider is unavailable (${url}): ${err.message}`, 502);
  }
  let body = null;
  try {
    body = await resp.json();
  } catch {
    body = null;
  }
  return { status: resp.status, body };
}

// The provider's discovery document, fetched once.
export function metadata() {
  if (!metadataPromise) {
    metadataPromise = (async () => {
      if (!config.issuer) {
        throw new LoginError('OAUTH_ISSUER is not set: start the server with learnpath run', 500);
      }
      const { status, body } = await fetchJson(`${config.issuer}/.well-known/openid-configuration`);
      if (status !== 200 || !body) throw new LoginError('the discovery document is unavailable', 502);
      if (body.issuer !== config.issuer) throw new LoginError('the discovery document is for another issuer', 502);
      // Caches the keys; fetches the set again when a token names a kid it does not know.
      jwks = createRemoteJWKSet(new URL(body.jwks_uri));
      return body;
    })();
    metadataPromise.catch(() => {
      metadataPromise = null; // try again next time
    });
  }
  return metadataPromise;
}

const base64url = (buf) => buf.toString('base64url');

// A fresh PKCE pair: the verifier (kept in the session) and its S256 challenge.
export function newPkce() {
  const verifier = base64url(crypto.randomBytes(48));
  const challenge = base64url(crypto.createHash('sha256').update(verifier).digest());
  return { verifier, challenge };
}

export async function authorizationUrl({ state, nonce, challenge }) {
  const meta = await metadata();
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: config.redirectUri,
    scope: 'openid email profile',
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return `${meta.authorization_endpoint}?${params}`;
}

// POST the code to the token endpoint, authenticated with client_secret_basic.
export async function exchangeCode(code, verifier) {
  const meta = await metadata();
  const basic = Buffer.from(
    `${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`,
  ).toString('base64');
  const { status, body } = await fetchJson(meta.token_endpoint, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: config.redirectUri,
      code_verifier: verifier,
    }).toString(),
  });
  if (status !== 200) {
    const why = body ? `${body.error}: ${body.error_description || ''}` : `HTTP ${status}`;
    throw new LoginError(`the provider refused the code (${why})`);
  }
  if (typeof body?.id_token !== 'string' || typeof body?.access_token !== 'string') {
    throw new LoginError('the token response has no id_token or access_token', 502);
  }
  return body;
}

// The ID token's claims once its signature (RS256, a key of the provider's JWKS), iss, aud,
// exp and nonce are right (OpenID Connect Core 3.1.3.7).
export async function verifyIdToken(idToken, nonce) {
  await metadata();
  let payload;
  try {
    ({ payload } = await jwtVerify(idToken, jwks, {
      issuer: config.issuer,
      audience: config.clientId,
      algorithms: ['RS256'], // ours, never the token's header
      clockTolerance: config.clockSkewSeconds,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'nonce'],
    }));
  } catch (err) {
    throw new LoginError(`the ID token is not valid: ${err.code || err.message}`);
  }
  const a = Buffer.from(String(payload.nonce));
  const b = Buffer.from(nonce);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
    throw new LoginError("the ID token's nonce is not the one of this sign-in");
  }
  return payload;
}

// The userinfo claims, which must be about the ID token's subject (Core 5.3.2).
export async function userinfo(accessToken, sub) {
  const meta = await metadata();
  const { status, body } = await fetchJson(meta.userinfo_endpoint, {
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  if (status !== 200 || !body) throw new LoginError(`userinfo answered ${status}`, 502);
  if (body.sub !== sub) throw new LoginError('userinfo is about another subject than the ID token');
  return body;
}

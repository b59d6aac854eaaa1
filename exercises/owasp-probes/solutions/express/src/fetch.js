// Fetch a URL for an import without letting it reach what only the server can reach (SSRF).
//
// Every hop (the URL, then each redirect) is checked: http or https only, and every address its
// host resolves to must be a public one, unless host:port is in ALLOWED_FETCH_HOSTS. The
// connection then goes to the address that was checked, so a second DNS answer cannot swap in
// an internal one.
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { config } from './config.js';

const MAX_REDIRECTS = 3;
const MAX_BYTES = 1024 * 1024;
const TIMEOUT_MS = 5000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export class Refused extends Error {} // the URL may not be fetched (422)
export class FetchFailed extends Error {} // allowed, but fetching it failed (502)

// Everything that is not a public unicast address. IPv4-mapped IPv6 addresses (::ffff:127.0.0.1)
// are checked against the IPv4 rules by BlockList itself.
const internal = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8], // "this network": 0.0.0.0 reaches this machine
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, the cloud metadata service
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
]) {
  internal.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::ffff:0:0', 96], // IPv4-mapped
  ['64:ff9b::', 96], // NAT64
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
]) {
  internal.addSubnet(address, prefix, 'ipv6');
}

export function isPublic(address) {
  return !internal.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

// Where `raw` would connect to, or a Refused error.
export async function check(raw) {
  let url;
  try {
    url = new URL(String(raw).trim());
  } catch {
    throw new Refused('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Refused('only http and https URLs can be imported');
  }
  const host = url.hostname.toLowerCase(); // [::1] keeps its brackets here
  if (!host) throw new Refused('has no host');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  let addresses;
  if (net.isIP(bare)) {
    addresses = [bare];
  } else {
    try {
      addresses = (await lookup(bare, { all: true })).map((a) => a.address);
    } catch {
      throw new Refused('names a host that does not resolve');
    }
  }
  const trusted = config.allowedFetchHosts.has(`${host}:${port}`);
  if (!trusted && !addresses.every(isPublic)) throw new Refused('points to an internal address');
  return { url, host: bare, port, address: addresses[0] };
}

function get(target) {
  const secure = target.url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      {
        host: target.address,
        port: target.port,
        path: target.url.pathname + target.url.search,
        headers: { host: target.url.host, 'user-agent': 'docs-importer/1.0' },
        servername: secure && !net.isIP(target.host) ? target.host : undefined,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const location = res.headers.location;
        if (REDIRECTS.has(res.statusCode) && location) {
          res.resume();
          resolve({ redirect: new URL(location, target.url).href });
          return;
        }
        if (res.statusCode < 200 || res.statusCode >= 300) {
          res.resume();
          reject(new FetchFailed(`the server answered ${res.statusCode}`));
          return;
        }
        const chunks = [];
        let size = 0;
        res.on('data', (chunk) => {
          size += chunk.length;
          if (size > MAX_BYTES) {
            req.destroy(new FetchFailed('is larger than 1 MB'));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new FetchFailed('timed out')));
    req.on('error', (err) =>
      reject(err instanceof FetchFailed ? err : new FetchFailed(`could not be fetched (${err.code || err.message})`)),
    );
    req.end();
  });
}

// The text at `raw`, following at most 3 redirects, each checked like the first URL.
export async function fetchText(raw) {
  let next = raw;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const answer = await get(await check(next));
    if (answer.redirect === undefined) return answer.text;
    next = answer.redirect;
  }
  throw new FetchFailed('redirects too often');
}

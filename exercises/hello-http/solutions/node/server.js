// hello-http: a tiny HTTP service on nothing but Node's standard library (node:http).
// Entry point: PORT=8000 node server.js
//
// Routes: GET /health, GET and POST /echo, GET /hello (JSON or text by Accept). HEAD works
// wherever GET does. Connections stay open between requests (HTTP/1.1 keep-alive, which
// node:http does for us), bodies over 1 MiB are refused with 413, and every answer states its
// length in Content-Length.
import http from 'node:http';

const MAX_BODY = 1024 * 1024; // bytes: a larger request body is answered 413
const GREETING = 'Hello, world!';
// The methods each path answers. Any other path is a 404; any other method a 405.
const ROUTES = {
  '/health': ['GET', 'HEAD'],
  '/echo': ['GET', 'HEAD', 'POST'],
  '/hello': ['GET', 'HEAD'],
};
// What GET /hello can answer, in our order of preference (the first wins a tie).
const OFFERS = ['application/json', 'text/plain'];
const JSON_TYPE = 'application/json';

// One complete answer. Content-Length is set by hand: node:http adds it by itself for
// `res.end(body)` on a GET, but not on a HEAD, which must carry the same headers.
function send(res, status, body, type, headers = {}) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': bytes.length, ...headers });
  res.end(bytes); // node:http sends no body for HEAD
}

function sendJson(res, status, value, headers = {}) {
  send(res, status, JSON.stringify(value), JSON_TYPE, headers);
}

// "text/plain;q=0.5, application/json" -> [["text/plain", 0.5], ["application/json", 1]]
function parseAccept(header) {
  const ranges = [];
  for (const item of header.split(',')) {
    const [media, ...params] = item.split(';').map((part) => part.trim());
    if (!media) continue;
    let q = 1;
    for (const param of params) {
      const [name, value = ''] = param.split('=').map((s) => s.trim());
      if (name.toLowerCase() === 'q') {
        const n = Number(value);
        q = value !== '' && Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
      }
    }
    ranges.push([media.toLowerCase(), q]);
  }
  return ranges;
}

// How much the client wants `offer`: the q of the most specific range that matches it
// (text/plain beats text/*, which beats */*); 0 when none matches.
function quality(offer, ranges) {
  const kind = offer.split('/')[0];
  let bestRank = -1;
  let q = 0;
  for (const [media, mq] of ranges) {
    let rank;
    if (media === offer) rank = 2;
    else if (media === `${kind}/*`) rank = 1;
    else if (media === '*/*') rank = 0;
    else continue;
    if (rank > bestRank) [bestRank, q] = [rank, mq];
  }
  return q;
}

// The offer to answer with, or null when the client accepts none of them (406).
function negotiate(header) {
  if (header === undefined || header.trim() === '') return OFFERS[0]; // takes anything
  const ranges = parseAccept(header);
  let best = null;
  let bestQ = 0;
  for (const offer of OFFERS) {
    const q = quality(offer, ranges);
    if (q > bestQ) [best, bestQ] = [offer, q]; // strictly greater: a tie keeps our favourite
  }
  return best;
}

// "a=1&b=x&b=y&c=" -> {a: "1", b: ["x", "y"], c: ""} (form decoding: %XX and +)
function queryObject(searchParams) {
  const out = {};
  for (const [name, value] of searchParams) {
    if (!Object.hasOwn(out, name)) out[name] = value;
    else if (Array.isArray(out[name])) out[name].push(value);
    else out[name] = [out[name], value];
  }
  return out;
}

// The request body as a Buffer, or null after answering 413. Content-Length is checked
// before reading: a client may claim 1 GiB and send 16 bytes, and reading would wait for the
// rest forever. Counting while reading covers a body without Content-Length (chunked).
function readBody(req, res) {
  return new Promise((resolve) => {
    const tooLarge = () => {
      sendJson(res, 413, { error: `the body is larger than ${MAX_BODY} bytes` }, { Connection: 'close' });
      resolve(null);
    };
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      tooLarge();
      return;
    }
    const chunks = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_BODY) {
        refused = true;
        tooLarge();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', () => resolve(null));
  });
}

function hello(req, res) {
  const chosen = negotiate(req.headers.accept);
  const vary = { Vary: 'Accept' };
  if (chosen === null) {
    sendJson(res, 406, { error: 'no acceptable representation', available: OFFERS }, vary);
  } else if (chosen === JSON_TYPE) {
    sendJson(res, 200, { message: GREETING }, vary);
  } else {
    send(res, 200, GREETING, 'text/plain; charset=utf-8', vary);
  }
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const allowed = ROUTES[url.pathname];
  // A body no route reads needs no code here: when the answer is sent first, node:http reads
  // and drops the rest of the request, so the next request on the connection starts cleanly.
  if (allowed === undefined) {
    sendJson(res, 404, { error: `no route for ${url.pathname}` });
    return;
  }
  if (!allowed.includes(req.method)) {
    sendJson(res, 405, { error: `${req.method} is not allowed on ${url.pathname}` }, { Allow: allowed.join(', ') });
    return;
  }
  if (url.pathname === '/health') {
    sendJson(res, 200, { status: 'ok' });
  } else if (url.pathname === '/echo' && req.method === 'POST') {
    const body = await readBody(req, res);
    if (body !== null) {
      send(res, 200, body, req.headers['content-type'] || 'application/octet-stream');
    }
  } else if (url.pathname === '/echo') {
    sendJson(res, 200, queryObject(url.searchParams));
  } else {
    hello(req, res);
  }
}

const port = Number.parseInt(process.env.PORT || '8000', 10);
const host = process.env.HOST || '127.0.0.1';
const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error(err);
    if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    else res.destroy();
  });
});

server.listen(port, host, () => {
  console.log(`hello-http listening on http://${host}:${port}`);
});

// Stop cleanly when learnpath (or Ctrl-C) asks: idle keep-alive connections would keep
// server.close() waiting, so close those too.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

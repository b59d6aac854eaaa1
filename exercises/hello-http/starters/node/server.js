// hello-http: a tiny HTTP server with nothing but Node's standard library (node:http).
// Entry point: PORT=8000 node server.js
//
// It answers GET /health (stage 1). Every other request gets a 501 placeholder until you
// build the stage that covers it: `learnpath stage` prints the one you are on.
import http from 'node:http';

function sendJson(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

const server = http.createServer((req, res) => {
  // req.url is the whole request target, query string included: "/health?x=1".
  if (req.method === 'GET' && req.url === '/health') {
    sendJson(res, 200, { status: 'ok' });
    return;
  }
  sendJson(res, 501, { error: `${req.method} ${req.url} is not implemented yet` });
});

const port = Number.parseInt(process.env.PORT || '8000', 10);
const host = process.env.HOST || '127.0.0.1';
server.listen(port, host, () => {
  console.log(`hello-http listening on http://${host}:${port}`);
});

// Stop cleanly when learnpath (or Ctrl-C) asks, kept-open connections included.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

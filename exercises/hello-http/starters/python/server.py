"""hello-http: a tiny HTTP server with nothing but Python's standard library.

Run it: PORT=8000 python3 server.py

It answers GET /health (stage 1). Every other request gets a 501 placeholder until you build
the stage that covers it: `learnpath stage` prints the one you are on.
"""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    # The default protocol_version is "HTTP/1.0": the connection is closed after every
    # answer. Stage keep-alive changes that.

    def do_GET(self):
        # self.path is the whole request target, query string included: "/health?x=1".
        if self.path == "/health":
            self.send_json(200, {"status": "ok"})
        else:
            self.send_json(501, {"error": f"GET {self.path} is not implemented yet"})

    def send_json(self, status, value):
        body = json.dumps(value).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8000"))
    # One thread per connection, so one slow client does not hold up the others.
    server = ThreadingHTTPServer((host, port), Handler)
    print(f"hello-http listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

"""Run the fake provider: ``python -m learnpath.fakes.oauth --port PORT --client-id ID ...``.

Prints ``ready http://HOST:PORT`` on stdout once it accepts connections (``--port 0`` picks a
free port and prints it); that URL is also the issuer. SIGTERM or SIGINT stop it cleanly. The
RSA signing key is made in the background after start-up (tens of milliseconds); the endpoints
that need it wait for it.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import socket
import sys
import threading

_HOSTS = ("127.0.0.1", "localhost", "::1")
# Stop signals that arrive while uvicorn is not handling them itself (start-up, and the signal it
# re-raises after its own clean shutdown).
_stop_signals: list[int] = []


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; every secret is required so no run uses a default one."""
    parser = argparse.ArgumentParser(
        prog="python -m learnpath.fakes.oauth",
        description="A fake OAuth 2.0 / OpenID Connect provider for graded exercises.",
    )
    parser.add_argument("--host", default="127.0.0.1", choices=_HOSTS, help="loopback only")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--client-id", required=True, help="the one registered client")
    parser.add_argument("--client-secret", required=True, help="its secret")
    parser.add_argument(
        "--redirect-uri",
        action="append",
        required=True,
        help="a redirect URI registered for the client (repeat for more)",
    )
    parser.add_argument("--control-token", required=True, help="the graders' X-Control-Token")
    args = parser.parse_args(argv)
    if args.control_token == args.client_secret:
        parser.error("--control-token must differ from --client-secret")
    return args


async def serve(args: argparse.Namespace) -> None:
    """Listen, announce readiness on stdout, and serve until a signal arrives."""
    import uvicorn

    from learnpath.fakes.oauth.app import create_app
    from learnpath.fakes.oauth.provider import Client, Provider

    client = Client(args.client_id, args.client_secret, list(args.redirect_uri))
    provider = Provider(client, args.control_token)
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(128)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    provider.issuer = f"http://{host}:{port}"
    threading.Thread(target=provider.generate_key, name="rsa-key", daemon=True).start()
    config = uvicorn.Config(
        create_app(provider),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=3,
    )
    server = uvicorn.Server(config)
    if _stop_signals:
        return
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        if _stop_signals:
            server.should_exit = True
        await asyncio.sleep(0.01)
    if server.started and not server.should_exit:
        print(f"ready {provider.issuer}", flush=True)
    await task


def _record_stop(signum: int, frame: object) -> None:
    _stop_signals.append(signum)


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit status is 0 after a clean stop."""
    args = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _record_stop)
    try:
        asyncio.run(serve(args))
    except OSError as err:
        print(f"error: cannot listen on {args.host}:{args.port}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

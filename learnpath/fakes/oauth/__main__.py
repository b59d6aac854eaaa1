"""Run the fake provider: ``python -m learnpath.fakes.oauth --port PORT --client-id ID ...``.

Prints ``ready http://HOST:PORT`` on stdout once it accepts connections (``--port 0`` picks a
free port and prints it); that URL is also the issuer. SIGTERM or SIGINT stop it cleanly. The
RSA signing key is made in the background after start-up (tens of milliseconds); the endpoints
that need it wait for it.
"""

from __future__ import annotations

import argparse
import sys
import threading

from learnpath.fakes import serving


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; every secret is required so no run uses a default one."""
    parser = argparse.ArgumentParser(
        prog="python -m learnpath.fakes.oauth",
        description="A fake OAuth 2.0 / OpenID Connect provider for graded exercises.",
    )
    serving.add_listen_arguments(parser)
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
    from learnpath.fakes.oauth.app import create_app
    from learnpath.fakes.oauth.provider import Client, Provider

    client = Client(args.client_id, args.client_secret, list(args.redirect_uri))
    provider = Provider(client, args.control_token)
    sock, url = serving.listen(args.host, args.port)
    provider.issuer = url
    # The RSA key takes tens of milliseconds: make it while uvicorn starts, not before "ready";
    # the endpoints that need it wait for it.
    threading.Thread(target=provider.generate_key, name="rsa-key", daemon=True).start()
    await serving.serve(create_app(provider), sock, url, lifespan="off")


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit status is 0 after a clean stop."""
    args = parse_args(argv)
    return serving.run(lambda: serve(args), args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())

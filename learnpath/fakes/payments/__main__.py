"""Run the fake provider: ``python -m learnpath.fakes.payments --port PORT --api-key KEY ...``.

Prints ``ready http://HOST:PORT`` on stdout once it accepts connections (``--port 0`` picks a free
port and prints it); SIGTERM or SIGINT stop it cleanly, canceling pending webhook deliveries.
"""

from __future__ import annotations

import argparse
import sys

from learnpath.fakes import serving
from learnpath.fakes.payments.state import ApiError


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; every secret is required so no run uses a default one."""
    parser = argparse.ArgumentParser(
        prog="python -m learnpath.fakes.payments",
        description="A fake payment provider (Stripe-like PaymentIntents) for graded exercises.",
    )
    serving.add_listen_arguments(parser)
    parser.add_argument("--api-key", required=True, help="the key the learner's server sends")
    parser.add_argument("--webhook-secret", required=True, help="the key webhooks are signed with")
    parser.add_argument("--control-token", required=True, help="the graders' X-Control-Token")
    parser.add_argument("--webhook-url", help="where events are POSTed (settable later)")
    args = parser.parse_args(argv)
    if args.control_token == args.api_key:
        parser.error("--control-token must differ from --api-key")
    return args


async def serve(args: argparse.Namespace) -> None:
    """Listen, announce readiness on stdout, and serve until a signal arrives."""
    from learnpath.fakes.payments.app import PaymentsFake, create_app

    # Built before listening: a bad --webhook-url (ApiError, exit 2) fails before a port is taken.
    fake = PaymentsFake(args.api_key, args.webhook_secret, args.control_token, args.webhook_url)
    sock, url = serving.listen(args.host, args.port)
    # lifespan "on": the app's shutdown cancels pending webhook deliveries.
    await serving.serve(create_app(fake), sock, url, lifespan="on")


def main(argv: list[str] | None = None) -> int:
    """Entry point; the exit status is 0 after a clean stop, 2 for invalid settings."""
    args = parse_args(argv)
    try:
        return serving.run(lambda: serve(args), args.host, args.port)
    except ApiError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

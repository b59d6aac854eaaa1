"""Entry point: PORT=8000 python -m app

It listens on $HOST:$PORT (default 127.0.0.1:8000).

Logging is set up here, before uvicorn starts, and uvicorn is told to leave it alone
(log_config=None): its own lines ("Started server process", ...) go through our JSON
formatter too, and our middleware writes the access lines instead of uvicorn's.
"""

import os

import uvicorn

from .logs import setup_logging


def main() -> None:
    setup_logging(os.environ.get("LOG_LEVEL"))
    uvicorn.run(
        "app.main:app",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()

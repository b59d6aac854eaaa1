"""Entry point: PORT=8000 python -m app

It listens on $HOST:$PORT (default 127.0.0.1:8000).

uvicorn sets up logging here with its own plain-text format ("INFO:     ..." lines, one
access line per request). Stage structured-logs replaces that with JSON lines of your own.
"""

import logging
import os

import uvicorn


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    uvicorn.run(
        "app.main:app",
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
    )


if __name__ == "__main__":
    main()

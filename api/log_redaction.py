"""Uvicorn's access log without query strings: a token or signature passed as ``?token=…`` (by a
client, a proxy or a browser following a link) must never reach a log file."""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class DropQueryStrings(logging.Filter):
    """Cuts ``?…`` from the request target of Uvicorn's access records (its third argument,
    ``client - "METHOD target HTTP/x" status``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            target = args[2]
            if "?" in target:
                record.args = (*args[:2], target.split("?", 1)[0] + "?…", *args[3:])
        return True


def redact_access_log() -> None:
    """Install the filter once per process (every app built in it shares the logger)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
        logger.addFilter(DropQueryStrings())

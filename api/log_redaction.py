"""No token reaches a log the server writes.

Two layers, installed once per process by ``redact_logs``:

* every log record made in the process (Uvicorn's access and error logs, the app's own, a
  library's, a traceback) has anything shaped like an API token (``rwt_…``) replaced by
  ``rwt_[redacted]`` as it is made, whatever handler later writes it (percent-encoded too:
  the access log shows a path as it was sent);
* Uvicorn's access records also lose their query string (``?token=…``, a signature: any of
  them may be a secret).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from runway_core.auth.tokens import TOKEN_SHAPE, redact_tokens

ACCESS_LOGGER = "uvicorn.access"


def _redacted_arg(value: Any) -> Any:
    return redact_tokens(value) if isinstance(value, str) else value


def redact_record(record: logging.LogRecord) -> None:
    """Redact tokens from ``record``'s message, its arguments and its traceback, in place."""
    if isinstance(record.msg, str):
        record.msg = redact_tokens(record.msg)
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_redacted_arg(a) for a in args)
    elif isinstance(args, Mapping):
        record.args = {k: _redacted_arg(v) for k, v in args.items()}
    plain = isinstance(record.msg, str) and all(
        isinstance(a, (str, int, float)) for a in _values(record.args or ())
    )
    if not plain:
        # A token inside bytes, a dict, a header list (Uvicorn's trace level logs the scope),
        # an exception logged as the message: only the formatted message shows it.
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted: logging reports it as it would
            return
        if TOKEN_SHAPE.search(message):
            record.msg, record.args = redact_tokens(message), ()
    if record.exc_info and not record.exc_text:
        text = logging.Formatter().formatException(record.exc_info)
        if TOKEN_SHAPE.search(text):
            record.exc_text = redact_tokens(text)  # formatters use it as the traceback
    if record.stack_info:
        record.stack_info = redact_tokens(record.stack_info)


def _values(args: Any) -> list[Any]:
    return list(args.values()) if isinstance(args, Mapping) else list(args)


def _redacting_factory(
    make: Callable[..., logging.LogRecord],
) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        redact_record(record)
        return record

    factory.runway_redacts = True  # type: ignore[attr-defined]
    return factory


class DropQueryStrings(logging.Filter):
    """Cuts ``?…`` from the request target of Uvicorn's access records (their third argument,
    ``client - "METHOD target HTTP/x" status``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            target = args[2]
            if "?" in target:
                record.args = (*args[:2], target.split("?", 1)[0] + "?…", *args[3:])
        return True


def redact_logs() -> None:
    """Install both layers once per process (every app built in it shares them)."""
    make = logging.getLogRecordFactory()
    if not getattr(make, "runway_redacts", False):
        logging.setLogRecordFactory(_redacting_factory(make))
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
        logger.addFilter(DropQueryStrings())

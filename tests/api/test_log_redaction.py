"""Token redaction in every log record the server's process makes (``api/log_redaction``):
through the real ``logging`` machinery, whatever the record holds."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from runway.api.log_redaction import redact_logs
from runway_core.auth.tokens import redact_tokens

TOKEN = "rwt_0123456789abcdef_" + "Ab-_" * 10 + "xyz"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    redact_logs()
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("runway.test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield logger, out
    logger.removeHandler(handler)


def test_a_token_never_reaches_a_log_line(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = captured
    encoded = "%72wt%5F" + TOKEN[4:]
    logger.info("DELETE /api/v1/tokens/%s", TOKEN)  # an argument
    logger.info(f"in the message itself: {TOKEN[:30]}")  # cut short
    logger.info("scope=%s", {"headers": [(b"authorization", b"Bearer " + TOKEN.encode())]})
    logger.info("raw path %s", encoded)  # as the access log shows a path that was sent
    logger.info("%(path)s", {"path": TOKEN})
    logger.warning(ValueError(TOKEN))  # an exception as the message
    try:
        raise RuntimeError(f"failed on {TOKEN}")
    except RuntimeError:
        logger.exception("unhandled")  # a traceback
    text = out.getvalue()
    assert TOKEN[:16] not in text and encoded[:16] not in text, text
    assert text.count("rwt_[redacted]") == 7, text
    assert "Traceback" in text and "RuntimeError: failed on rwt_[redacted]" in text


def test_the_shape_is_the_token_prefix_and_what_follows() -> None:
    assert redact_tokens(f"a {TOKEN}, b") == "a rwt_[redacted], b"
    assert redact_tokens("RWT_abc") == "rwt_[redacted]"
    # Text about tokens, without one, stays as it is.
    for text in ("expected a token (rwt_…)", "rwt_[redacted]", "token 0123456789abcdef", "rwt"):
        assert redact_tokens(text) == text

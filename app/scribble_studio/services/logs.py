"""The log file in the data folder, with secrets scrubbed from every record."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Callable
from pathlib import Path

LOG_NAME = "scribble-studio.log"
LOGGERS = ("scribble_studio", "stamina")


class RedactingFilter(logging.Filter):
    """Formats each record's message and scrubs it with ``redact`` (defence in depth:
    no code logs the key, but a server might echo it back in a message)."""

    def __init__(self, redact: Callable[[str], str]) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self._redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def configure_logging(
    folder: Path, redact: Callable[[str], str] = lambda text: text,
) -> logging.Handler | None:
    """Send the package's log to ``folder/logs/scribble-studio.log`` (rotated at 1 MB).
    Returns the handler (more redacting filters can be added to it), or ``None`` if the
    folder cannot be written (logging is then off rather than fatal)."""
    logging.getLogger("stamina").addHandler(logging.NullHandler())  # even if no file

    class QuietFileHandler(logging.handlers.RotatingFileHandler):
        def handleError(self, record: logging.LogRecord) -> None:
            """Drop a record that cannot be written (a full disk): the default prints a
            traceback with the record on stderr, where the CLI promises one line."""

    try:
        (folder / "logs").mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = QuietFileHandler(
            folder / "logs" / LOG_NAME, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(redact))
    # stamina logs each scheduled retry; without a handler Python would print it on
    # stderr, where the CLI promises one clean line. It belongs in the log file.
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False
    return handler

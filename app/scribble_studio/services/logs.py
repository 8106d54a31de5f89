"""The log file in the data folder, with secrets scrubbed from every record."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

LOG_NAME = "scribble-studio.log"
LOGGERS = ("scribble_studio", "stamina")


class EarlyRecords(logging.Handler):
    """Keeps the package's records until the log file is set up: the app opens it after
    its first frame (``logging.handlers`` alone costs ~6 ms of start-up), and what was
    logged before (a damaged history, a settings file that could not be read) still
    belongs in it."""

    def __init__(self, limit: int = 1000) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self._limit = limit

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < self._limit:
            self.records.append(record)


def hold_early_records() -> EarlyRecords:
    """Collect the package's records (INFO and up) until :func:`configure_logging`."""
    early = EarlyRecords()
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(early)
        logger.propagate = False
    return early


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
    early: EarlyRecords | None = None,
) -> logging.Handler | None:
    """Send the package's log to ``folder/logs/scribble-studio.log`` (rotated at 1 MB),
    starting with the ``early`` records. Returns the handler, or ``None`` if the folder
    cannot be written (logging is then off rather than fatal)."""
    import logging.handlers

    logging.getLogger("stamina").addHandler(logging.NullHandler())  # even if no file
    if early is not None:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(early)

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
    for record in early.records if early is not None else ():
        handler.handle(record)
    return handler

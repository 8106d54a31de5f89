"""The log file: what is logged before it opens (the app opens it after its first frame)
still ends up in it, scrubbed of the key like the rest."""

from __future__ import annotations

import logging
from pathlib import Path

from scribble_studio.services.logs import LOG_NAME, configure_logging, hold_early_records

KEY = "sg_early_secret_0123"


def redact(text: str) -> str:
    return text.replace(KEY, "[key]")


def test_records_logged_before_the_file_opens_are_written_to_it(
        tmp_path: Path, clean_loggers: None) -> None:
    early = hold_early_records()
    log = logging.getLogger("scribble_studio.services.history")
    log.warning("the history was damaged; sent with %s", KEY)
    log.debug("not kept: below INFO")
    handler = configure_logging(tmp_path, redact, early)
    assert handler is not None
    log.info("after the file opened")
    handler.flush()
    text = (tmp_path / "logs" / LOG_NAME).read_text()
    assert "the history was damaged; sent with [key]" in text
    assert "after the file opened" in text
    assert KEY not in text and "below INFO" not in text
    assert text.index("damaged") < text.index("after the file")
    assert early not in logging.getLogger("scribble_studio").handlers


def test_an_unwritable_log_folder_stops_holding_records(tmp_path: Path,
                                                        clean_loggers: None) -> None:
    early = hold_early_records()
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    assert configure_logging(blocker, redact, early) is None
    logging.getLogger("scribble_studio").warning("goes nowhere")
    assert early not in logging.getLogger("scribble_studio").handlers
    assert len(early.records) == 0

"""The log file: what the package logs goes to it, scrubbed of the key; a folder that
cannot be written turns logging off rather than failing."""

from __future__ import annotations

import logging
from pathlib import Path

from scribble_studio.services.logs import LOG_NAME, RedactingFilter, configure_logging

KEY = "sg_logged_secret_0123"


def redact(text: str) -> str:
    return text.replace(KEY, "[key]")


def test_records_go_to_the_file_scrubbed_of_the_key(tmp_path: Path,
                                                     clean_loggers: None) -> None:
    handler = configure_logging(tmp_path, redact)
    assert handler is not None
    log = logging.getLogger("scribble_studio.services.history")
    log.warning("the history was damaged; sent with %s", KEY)
    log.debug("not kept: below INFO")
    handler.flush()
    text = (tmp_path / "logs" / LOG_NAME).read_text()
    assert "the history was damaged; sent with [key]" in text
    assert KEY not in text and "below INFO" not in text


def test_a_filter_added_later_scrubs_what_follows(tmp_path: Path,
                                                  clean_loggers: None) -> None:
    # As the app does: the file opens before the window (and its key) exists.
    handler = configure_logging(tmp_path)
    assert handler is not None
    handler.addFilter(RedactingFilter(redact))
    logging.getLogger("scribble_studio").warning("the server said %s", KEY)
    handler.flush()
    text = (tmp_path / "logs" / LOG_NAME).read_text()
    assert "the server said [key]" in text and KEY not in text


def test_an_unwritable_log_folder_turns_logging_off(tmp_path: Path,
                                                    clean_loggers: None) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("")
    assert configure_logging(blocker, redact) is None
    logging.getLogger("scribble_studio").warning("goes nowhere")  # and raises nothing
    assert not (blocker / "logs").exists()

"""A fake Segmind API: real HTTP/1.1 servers on loopback that follow
``shared/segmind-api.md`` strictly, bill like the real one and inject faults.

Three listeners: the API (v1 under ``/v1``, v2 under ``/v2``), the request history and
the image host (on 127.0.0.2, a different origin). Use it as a context manager::

    with FakeSegmind() as server:
        server.base_url            # http://127.0.0.1:<port>/v1
        server.script(Fault.status(500))   # the next request gets a 500
        ...
        server.billed              # how many generate calls were charged

The implementation lives in the package ``tests.fakes.segmind``; this module is the
import path the tests and benchmarks have always used.
"""

from __future__ import annotations

import threading

from tests.fakes.segmind.faults import KINDS, Fault
from tests.fakes.segmind.jobs import COMPLETED, FAILED, PROCESSING, QUEUED, FakeJob
from tests.fakes.segmind.server import FakeSegmind
from tests.fakes.segmind.wire import (
    API_KEY,
    CREDITS_PATH,
    GENERATE_PATH,
    HISTORY_PATH,
    HTML_405,
    SCHEDULERS,
    SLUG,
    Recorded,
    json_body,
    result_jpeg,
    validate_request,
)

__all__ = ["API_KEY", "COMPLETED", "CREDITS_PATH", "FAILED", "GENERATE_PATH", "HISTORY_PATH",
           "HTML_405", "KINDS", "PROCESSING", "QUEUED", "SCHEDULERS", "SLUG", "FakeJob",
           "FakeSegmind", "Fault", "Recorded", "json_body", "result_jpeg", "validate_request"]


def main() -> None:
    """Run the fake API on its own: ``python -m tests.fakes.segmind_server [--port N]
    [--delay S] [--job-seconds S] [--no-v2]``. Prints the base URL and the history base,
    serves until interrupted. For benchmarks and manual runs; every v1 call waits
    ``--delay`` seconds and every v2 job takes ``--job-seconds`` (a model at work)."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--job-seconds", type=float, default=0.0)
    parser.add_argument("--credits", type=float, default=1000.0)
    parser.add_argument("--no-v2", action="store_true")
    args = parser.parse_args()
    server = FakeSegmind(credits=args.credits, port=args.port, delay=args.delay,
                         job_seconds=args.job_seconds, v2=not args.no_v2).start()
    print(server.base_url, flush=True)
    print(server.history_base, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.close()


if __name__ == "__main__":
    main()

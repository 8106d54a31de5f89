"""The fake Segmind: three real listeners on loopback (the API, the request history and
the image host) over one set of jobs, billing and fault scripts.

Use it as a context manager::

    with FakeSegmind(job_seconds=0.3) as server:
        server.base_url            # http://127.0.0.1:<port>/v1 (v2 under /v2 on the same port)
        server.history_base        # http://127.0.0.1:<port2>
        server.script_for("status", Fault.rate_limited())   # the next poll gets a 429
        ...
        server.billed              # how many jobs were charged
"""

from __future__ import annotations

import collections
import random
import shutil
import ssl
import tempfile
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any

from tests.fakes.segmind import wire
from tests.fakes.segmind.faults import KINDS, Fault
from tests.fakes.segmind.handler import Handler, Server
from tests.fakes.segmind.jobs import COMPLETED, QUEUED, TERMINAL, FakeJob
from tests.fakes.segmind.wire import API_KEY, GENERATE_PATH, SLUG, Recorded, result_jpeg

LISTENERS = (("api", "127.0.0.1"), ("history", "127.0.0.1"), ("images", "127.0.0.2"))


class FakeSegmind:
    """The fake API. ``credits_header`` chooses the header's spelling (or ``None``).

    ``delay`` holds every v1 call (a model at work); ``queue_seconds`` and ``job_seconds``
    are how long a v2 job stays QUEUED and then PROCESSING. ``failed_status_code`` is the
    code a FAILED job is served under (422 or 200: the contract allows both);
    ``result_shape`` is one of ``both``, ``output-only``, ``images-objects``,
    ``images-strings``. ``record_ttl`` is when v2 forgets a job (the history never does);
    ``history_lag`` how long a job stays out of the history (``history_lag_mode``:
    ``absent``, or ``nulls`` for a row with only its id and PENDING); ``history_ids`` is
    ``dashed`` or ``hex`` (the form the history stores and resolves)."""

    def __init__(self, api_key: str = API_KEY, credits: float = 100.0,
                 credits_header: str | None = "x-remaining-credits", port: int = 0,
                 delay: float = 0.0, *, v2: bool = True, queue_seconds: float = 0.0,
                 job_seconds: float = 0.0, failed_status_code: int = 422,
                 result_shape: str = "both", record_ttl: float | None = None,
                 history_lag: float = 0.0, history_lag_mode: str = "absent",
                 history_ids: str = "dashed", history_status_key: str = "status",
                 cost_headers: bool = True, tls: bool = False, history_port: int = 0,
                 images_port: int = 0) -> None:
        if result_shape not in ("both", "output-only", "images-objects", "images-strings"):
            raise ValueError(f"unknown result_shape {result_shape!r}")
        if history_ids not in ("dashed", "hex") or history_lag_mode not in ("absent", "nulls"):
            raise ValueError("history_ids is dashed|hex, history_lag_mode absent|nulls")
        self.api_key = api_key
        self.delay = delay
        self.credits_header = credits_header
        self.v2 = v2
        self.queue_seconds = queue_seconds
        self.job_seconds = job_seconds
        self.failed_status_code = failed_status_code
        self.result_shape = result_shape
        self.record_ttl = record_ttl
        self.history_lag = history_lag
        self.history_lag_mode = history_lag_mode
        self.history_ids = history_ids
        self.history_status_key = history_status_key
        self.cost_headers = cost_headers
        # Slugs answered 410 (retired) and 403 (not allowed for the team); tests add to them.
        self.retired: set[str] = set()
        self.forbidden: set[str] = set()
        self.tls = tls
        self.requests: list[Recorded] = []
        self.jobs: dict[str, FakeJob] = {}
        self.submits: list[FakeJob] = []
        self.disconnects = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections: collections.Counter[str] = collections.Counter()
        self.tls_handshakes: collections.Counter[str] = collections.Counter()
        self._credits = credits
        self._billed = 0
        self._billed_seeds: list[int] = []
        self._polls: collections.Counter[str] = collections.Counter()
        self._faults: deque[Fault] = deque()
        self._faults_for: dict[str, deque[Fault]] = {kind: deque() for kind in KINDS}
        self._failures: deque[tuple[str, bool]] = deque()
        self._fail_all: tuple[str, bool] | None = None
        self._seconds_next: deque[float] = deque()
        self._lock = threading.RLock()
        self._ports = {"api": port, "history": history_port, "images": images_port}
        self._servers: list[Server] = []
        self._ca: Any = None
        self._ca_dir: Path | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeSegmind:
        for name, address in LISTENERS:
            server = Server((address, self._ports[name]), Handler)
            server.fake = self
            server.name = name
            if name == "api" and self.tls:
                server.ssl_context = self._server_ssl_context()
            self._ports[name] = server.server_address[1]
            self._servers.append(server)
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                             daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: new connections are refused until :meth:`start` again."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers = []

    def close(self) -> None:
        self.stop()
        if self._ca_dir is not None:
            shutil.rmtree(self._ca_dir, ignore_errors=True)

    def __enter__(self) -> FakeSegmind:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- where things are --------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._ports["api"]

    @property
    def api_origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self._ports['api']}"

    @property
    def base_url(self) -> str:
        return f"{self.api_origin}/v1"

    @property
    def history_base(self) -> str:
        return f"http://127.0.0.1:{self._ports['history']}"

    @property
    def images_base(self) -> str:
        return f"http://127.0.0.2:{self._ports['images']}"

    # -- TLS ---------------------------------------------------------------------------
    def _authority(self) -> Any:
        if self._ca is None:
            import trustme  # only the TLS variant needs it

            self._ca = trustme.CA()
        return self._ca

    def _server_ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._authority().issue_cert("127.0.0.1").configure_cert(context)
        return context

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this fake's certificate authority (only)."""
        context = ssl.create_default_context()
        self._authority().configure_trust(context)
        return context

    @property
    def ca_pem_path(self) -> Path:
        """The authority's certificate as a PEM file, for clients that want a path."""
        if self._ca_dir is None:
            self._ca_dir = Path(tempfile.mkdtemp(prefix="fake-segmind-ca-"))
            self._authority().cert_pem.write_to_path(str(self._ca_dir / "ca.pem"))
        return self._ca_dir / "ca.pem"

    # -- scripting -------------------------------------------------------------------
    def script(self, *faults: Fault) -> None:
        """Faults for the next requests of any kind, on any listener, in order."""
        with self._lock:
            self._faults.extend(faults)

    def script_for(self, kind: str, *faults: Fault) -> None:
        """Faults for the next requests of one kind: ``submit`` (v2 POST), ``status``,
        ``result``, ``image``, ``history``, ``v1`` or ``credits``."""
        if kind not in KINDS:
            raise ValueError(f"unknown request kind {kind!r}; one of {sorted(KINDS)}")
        with self._lock:
            self._faults_for[kind].extend(faults)

    def next_fault(self, kind: str = "") -> Fault | None:
        """The fault for a request of ``kind``: one scripted for any request comes first."""
        with self._lock:
            if self._faults:
                return self._faults.popleft()
            queue = self._faults_for.get(kind)
            return queue.popleft() if queue else None

    def fail_job(self, next: bool = True, message: str = "Inference failed: the model "
                 "returned an error", billed: bool = False) -> None:
        """Make the next v2 job (``next=False``: every v2 job from now on) end FAILED with
        ``message``; ``billed=True`` charges it anyway."""
        with self._lock:
            if next:
                self._failures.append((message, billed))
            else:
                self._fail_all = (message, billed)

    def job_seconds_next(self, seconds: float) -> None:
        """How long the next v2 job takes, instead of ``job_seconds``."""
        with self._lock:
            self._seconds_next.append(seconds)

    # -- jobs and billing ------------------------------------------------------------
    def create_job(self, request: dict[str, Any], as_sent: dict[str, Any],
                   size: tuple[int, int], price: float, api: str, slug: str = SLUG) -> FakeJob:
        """Accept a job: from here on it runs and is billed whatever the client does."""
        with self._lock:
            seed = request["seed"]
            failure: tuple[str, bool] | None = None
            seconds, queue = 0.0, 0.0
            if api == "v2":
                seed = random.randrange(2**32) if seed == -1 else seed
                failure = self._failures.popleft() if self._failures else self._fail_all
                seconds = self._seconds_next.popleft() if self._seconds_next \
                    else self.job_seconds
                queue = self.queue_seconds
            job = FakeJob(request_id=str(uuid.uuid4()), seed=seed, prompt=request["prompt"],
                          body=as_sent, created=time.time(), state=QUEUED, api=api, cost=price,
                          size=size, samples=request["samples"], slug=slug,
                          queue_seconds=queue, job_seconds=seconds,
                          fail_message=failure[0] if failure else None,
                          bill_failure=failure[1] if failure else False,
                          output_base=self.images_base, report_cost=self.cost_headers)
            self.jobs[job.request_id] = job
            self.submits.append(job)
            self._refresh(job)
            return job

    def _refresh(self, job: FakeJob) -> None:
        """Work out the job's state now; bill it the first time it is seen finished."""
        with self._lock:
            if job.state in TERMINAL:
                return
            job.state = job.state_now()
            if job.state not in TERMINAL:
                return
            job.finish(job.state)
            if job.state == COMPLETED or job.bill_failure:
                job.billed = True
                self.charge(job.cost, job.seed)

    def tick(self) -> None:
        """Bring every job up to date (and so billed), as the real service would be."""
        with self._lock:
            for job in self.jobs.values():
                self._refresh(job)

    def live_job(self, request_id: str) -> FakeJob | None:
        """The job v2 still knows by this id: None once unknown or expired."""
        with self._lock:
            job = self.jobs.get(request_id)
            if job is None or job.expired(self.record_ttl):
                return None
            self._refresh(job)
            return job

    @staticmethod
    def job_images(job: FakeJob) -> list[bytes]:
        return [result_jpeg(job.size[0], job.size[1], job.seed, i) for i in range(job.samples)]

    def history_jobs(self) -> list[FakeJob]:
        """The jobs the history shows now: all, less those still lagging (unless lagging
        rows are shown with null fields)."""
        self.tick()
        with self._lock:
            jobs = list(self.jobs.values())
        if self.history_lag_mode == "nulls":
            return jobs
        return [job for job in jobs if self._landed(job)]

    def _landed(self, job: FakeJob) -> bool:
        return time.time() >= job.created + self.history_lag

    def history_rows(self, job: FakeJob) -> list[dict[str, Any]]:
        return job.history_rows(self.history_ids == "hex", self.history_status_key,
                                self._landed(job))

    @staticmethod
    def cost(request: dict[str, Any], slug: str = SLUG) -> float:
        return wire.cost(request, slug)

    def charge(self, cost: float, seed: int) -> None:
        with self._lock:
            self._credits = round(self._credits - cost, 4)
            self._billed += 1
            self._billed_seeds.append(seed)

    @property
    def credits(self) -> float:
        self.tick()
        return self._credits

    @credits.setter
    def credits(self, value: float) -> None:
        with self._lock:
            self._credits = value

    @property
    def billed(self) -> int:
        self.tick()
        return self._billed

    @property
    def billed_seeds(self) -> list[int]:
        self.tick()
        return self._billed_seeds

    def credit_headers(self) -> dict[str, str]:
        if self.credits_header is None:
            return {}
        return {self.credits_header: f"{self.credits:g}"}

    def submits_for_seed(self, seed: int) -> int:
        return sum(1 for job in self.submits if job.seed == seed)

    # -- what reached the listeners --------------------------------------------------
    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def note_disconnect(self) -> None:
        with self._lock:
            self.disconnects += 1

    def note_poll(self, request_id: str) -> None:
        with self._lock:
            self._polls[request_id] += 1

    def note_connection(self, listener: str) -> None:
        with self._lock:
            self.connections[listener] += 1

    def note_handshake(self, listener: str) -> None:
        with self._lock:
            self.tls_handshakes[listener] += 1

    @property
    def polls(self) -> int:
        """Status GETs received, faulted ones included."""
        return sum(self._polls.values())

    def polls_for(self, request_id: str) -> int:
        return self._polls[request_id]

    @property
    def generate_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.host == "api" and r.path == GENERATE_PATH]

    @property
    def image_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.host == "images"]

    @property
    def key_seen_on_images(self) -> bool:
        return "images" in self.key_seen_by_host()

    def key_seen_by_host(self) -> set[str]:
        """The listeners that were sent the key (in ``x-api-key`` or anywhere else in the
        headers or the path): the contract allows "api" and "history" only."""
        with self._lock:
            return {r.host for r in self.requests if r.carries_key(self.api_key)}


"""Inside a worker process: port jobs in threads, with this process's own GIL and esptool.

The station keeps everything that must exist once: the ledger, the write log (it writes each job's
record when the result comes back), the table of which MAC is on which port, and the event
fan-out. A job here reaches them through `StationLink`, as
synchronous calls over the pipe, so the license state machine keeps its single SQLite writer and
its single lock. Events go back the same way, in order, and the job's result goes last.

If the station goes away (the pipe closes), every job here is cancelled: each one closes its
port, the ledger calls it still makes fail with a StorageError, and the process exits. The
station, when it comes back, finds those licenses `sending` and settles them as after any crash.

Messages (tuples, pickled by multiprocessing), station → worker:
    ("plan", plan_id, JobPlan)        the package's plan, sent once per worker per package
    ("start", job_id, port, plan_id, JobConfig)
    ("cancel", job_id, Reason)
    ("reply", call_id, ok, value)     value is the result, or the exception when not ok
    ("stop",)
worker → station:
    ("ready", pid)
    ("call", Call)                    target: ledger | chips
    ("event", PortEvent)
    ("done", job_id, JobResult)       the station then writes the job's record
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, cast

from prodtool.crash import install_crash_handlers
from prodtool.engine.job import (
    CHIPS_CALLS,
    LEDGER_CALLS,
    SERIALS_CALLS,
    JobChips,
    JobConfig,
    JobLedger,
    JobPlan,
    JobSerials,
    PortJob,
)
from prodtool.errors import StorageError
from prodtool.families.driver import CancelToken
from prodtool.flash.events import PortEvent, Reason

JOIN_SECONDS = 15.0  # after the station is gone, how long running jobs get to close their ports
STATION_GONE = "station-gone"  # the code of a call's error once the station stopped answering


@dataclass(frozen=True)
class Call:
    """A job asks the station to run `target.method(*args, **kwargs)`."""

    call_id: int
    job_id: str
    target: str
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


class _Pending:
    """One call waiting for the station's reply."""

    __slots__ = ("done", "ok", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.ok = False
        self.value: Any = None


class StationLink:
    """This process's end of the pipe: calls and events out, replies and orders in."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._closed = False
        self._plans: dict[str, JobPlan] = {}
        self._jobs: dict[str, tuple[CancelToken, threading.Thread]] = {}

    # -- out ----------------------------------------------------------------------------------
    def _send(self, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            self._conn.send(message)

    def call(self, job_id: str, target: str, method: str, /, *args: Any, **kwargs: Any) -> Any:
        """Run `target.method(*args, **kwargs)` in the station; its exception is raised here."""
        pending = _Pending()
        with self._lock:
            if self._closed:
                raise StorageError("the station stopped answering", code=STATION_GONE)
            call_id = next(self._ids)
            self._pending[call_id] = pending
        try:
            self._send(("call", Call(call_id, job_id, target, method, args, kwargs)))
        except (OSError, EOFError, ValueError):
            self._fail_pending()
        pending.done.wait()
        if not pending.ok:
            raise pending.value
        return pending.value

    def emit(self, event: PortEvent) -> None:
        with contextlib.suppress(OSError, EOFError, ValueError):
            self._send(("event", event))

    # -- in -----------------------------------------------------------------------------------
    def serve(self) -> None:
        """Answer the station until it says stop or goes away; then end every job."""
        self._send(("ready", os.getpid()))
        while True:
            try:
                message = self._conn.recv()
            except (EOFError, OSError):
                break
            tag = message[0]
            if tag == "reply":
                self._reply(*message[1:])
            elif tag == "start":
                self._start(*message[1:])
            elif tag == "cancel":
                self._cancel(*message[1:])
            elif tag == "plan":
                _tag, plan_id, plan = message
                self._plans = {plan_id: plan}  # one package at a time; running jobs keep theirs
                self._prepare(plan_id, plan)
            elif tag == "stop":
                break
        self._shutdown()

    def _prepare(self, plan_id: str, plan: JobPlan) -> None:
        """The family readies this process for the plan (its libraries, its compressed images)
        before the job behind it starts, then says so: the station can wait for it before the
        first chip (`WorkerPool.warm`), and a new worker's first job is no slower than the rest."""
        with contextlib.suppress(Exception):  # only a head start: a job does it otherwise
            plan.chip_family.prepare(plan.regions)
        self._send(("prepared", plan_id))

    def _reply(self, call_id: int, ok: bool, value: Any) -> None:
        with self._lock:
            pending = self._pending.pop(call_id, None)
        if pending is not None:
            pending.ok, pending.value = ok, value
            pending.done.set()

    def _start(self, job_id: str, port: str, plan_id: str, config: JobConfig) -> None:
        cancel = CancelToken()
        job = PortJob(
            port=port,
            plan=self._plans[plan_id],
            ledger=cast(JobLedger, StationProxy(self, job_id, "ledger", LEDGER_CALLS)),
            config=config,
            emit=self.emit,
            active=cast(JobChips, StationProxy(self, job_id, "chips", CHIPS_CALLS)),
            cancel=cancel,
            job_id=job_id,
            serials=cast(JobSerials, StationProxy(self, job_id, "serials", SERIALS_CALLS)),
        )
        thread = threading.Thread(target=self._run, args=(job,), name=f"job-{port}", daemon=True)
        with self._lock:
            self._jobs[job_id] = (cancel, thread)
        thread.start()

    def _run(self, job: PortJob) -> None:
        """Run one job and send its result. When the station died meanwhile, the job's last
        calls to it (releasing the chip) fail with STATION_GONE: nobody is left to tell, and
        the station's next start settles the job from the ledger, so the job ends quietly
        instead of leaving a crash log behind."""
        try:
            result = job.run()
        except StorageError as error:
            if error.code != STATION_GONE:
                raise
            return
        finally:
            with self._lock:
                self._jobs.pop(job.job_id, None)
        with contextlib.suppress(OSError, EOFError, ValueError):
            self._send(("done", job.job_id, result))

    def _cancel(self, job_id: str, reason: Reason) -> None:
        with self._lock:
            entry = self._jobs.get(job_id)
        if entry is not None:
            entry[0].cancel(reason)

    def _fail_pending(self) -> None:
        gone = StorageError("the station stopped answering", code=STATION_GONE)
        with self._lock:
            self._closed = True
            pending, self._pending = list(self._pending.values()), {}
        for call in pending:
            call.ok, call.value = False, gone
            call.done.set()

    def _shutdown(self) -> None:
        self._fail_pending()
        with self._lock:
            jobs = list(self._jobs.values())
        for cancel, _thread in jobs:
            cancel.cancel(Reason.CANCELLED)
        for _cancel, thread in jobs:
            thread.join(JOIN_SECONDS)


class StationProxy:
    """A station object (`target`) as a job in this process sees it: each method it may call
    (the job's Protocol for it, see `LEDGER_CALLS`) runs in the station over the pipe."""

    def __init__(
        self, link: StationLink, job_id: str, target: str, methods: frozenset[str]
    ) -> None:
        self._link, self._job, self._target, self._methods = link, job_id, target, methods

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name not in self._methods:
            raise AttributeError(f"a job may not call {self._target}.{name}")
        return functools.partial(self._link.call, self._job, self._target, name)


def serve(conn: Connection, data_dir: str) -> None:
    """The worker process's entry point (multiprocessing target)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the station's to handle
    install_crash_handlers(data_dir)
    try:
        StationLink(conn).serve()
    finally:
        conn.close()

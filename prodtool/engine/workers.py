"""Port jobs in worker processes: each process has its own GIL, so 32 ports stay responsive.

With every job a thread of one process, 32 esptool threads and the window took turns on one
GIL: each of the thousands of request/response round trips of a write waited for a thread
switch, and the window stalled while 32 ports changed state together (docs/performance.md).
Here a `WorkerPool` starts up to `Settings.job_processes` processes (8 ports each before the next
one starts; the least busy one takes the next job) and runs each job there
(`prodtool.engine.worker_main`).

What must exist once stays in the station: the ledger, the write log and the table of MACs on
ports are called from the workers over their pipe (`Services.call`, a fixed list of methods),
and events come back to be published in order. The station watches each job's license moves as
they pass, so when a worker process dies mid-job it settles that job exactly as the job would
have: a license whose AuthKey never left is released, one that may have left needs a check.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prodtool.crash import report_crash
from prodtool.engine.job import (
    CHIPS_CALLS,
    LEDGER_CALLS,
    SERIALS_CALLS,
    ActiveChips,
    JobConfig,
    JobPlan,
    JobResult,
    JobSerials,
    LicenseSteps,
    new_job_id,
)
from prodtool.engine.log_text import LogSay, said
from prodtool.engine.worker_main import Call, serve
from prodtool.errors import StorageError, UserError
from prodtool.families.driver import CancelToken, ChipInfo
from prodtool.flash.events import (
    ChipIdentified,
    JobState,
    LogLine,
    PortEvent,
    Reason,
    StateChanged,
)
from prodtool.license.ledger import Ledger

PORTS_PER_PROCESS = 8
LOST_DETAIL = "the job's worker process stopped"
_CALLS: dict[str, frozenset[str]] = {
    "ledger": LEDGER_CALLS,
    "chips": CHIPS_CALLS,
    "serials": SERIALS_CALLS,
}


@dataclass
class Services:
    """What the workers reach in the station: one ledger and one MAC table (the station
    itself writes each job's record when the job's result comes back)."""

    ledger: Ledger
    chips: ActiveChips
    publish: Callable[[PortEvent], None]
    serials: JobSerials | None = None  # the station's serial numbers (docs/line.md)

    def call(self, target: str, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if method not in _CALLS.get(target, frozenset()):
            raise UserError(f"a worker asked for {target}.{method}, which it may not call")
        return getattr(getattr(self, target), method)(*args, **kwargs)


@dataclass
class _Flight:
    """One job running in a worker, as the station sees it pass."""

    job_id: str
    port: str
    plan: JobPlan
    plan_id: str
    config: JobConfig
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    done: threading.Event = field(default_factory=threading.Event)
    result: JobResult | None = None
    license: LicenseSteps = field(default_factory=LicenseSteps)
    chip: ChipInfo | None = None
    claimed_mac: str = ""


class _Worker:
    """One worker process, its pipe, and the thread that reads the pipe."""

    def __init__(self, pool: WorkerPool, number: int) -> None:
        self.pool = pool
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=serve,
            args=(child, pool.data_dir),
            name=f"prodtool-worker-{number}",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.ready = threading.Event()
        self.prepared = threading.Event()  # the worker has readied itself for its plan
        self.alive = True
        self.flights: dict[str, _Flight] = {}
        self.plan_id = ""
        self._send_lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, name=f"worker-{number}-pipe", daemon=True)
        self.reader.start()

    def send(self, message: tuple[Any, ...]) -> None:
        with self._send_lock:
            self.conn.send(message)

    def _read(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                break
            try:
                self._handle(message)
            except Exception as error:  # noqa: BLE001 - a bug here must not orphan the jobs
                report_crash(type(error), error, error.__traceback__)
        self.pool.lost(self)

    def _handle(self, message: tuple[Any, ...]) -> None:
        tag = message[0]
        if tag == "call":
            self._answer(message[1])
        elif tag == "event":
            self.pool.seen_event(self, message[1])
        elif tag == "done":
            self.pool.finished(self, message[1], message[2])
        elif tag == "ready":
            self.ready.set()
        elif tag == "prepared":
            self.prepared.set()

    def _answer(self, call: Call) -> None:
        try:
            value = self.pool.services.call(call.target, call.method, call.args, call.kwargs)
        except Exception as error:  # noqa: BLE001 - the job decides; it gets the exception
            reply: tuple[Any, ...] = ("reply", call.call_id, False, error)
        else:
            self.pool.seen_call(self, call, value)
            reply = ("reply", call.call_id, True, value)
        try:
            self.send(reply)
        except (OSError, EOFError, ValueError):
            return  # the worker is gone; the reader sees EOF next and settles its jobs
        except Exception:  # noqa: BLE001 - an exception that does not pickle: say it plainly
            refused = reply[3]
            if isinstance(refused, UserError):  # its code and arguments: the window words it
                plain = UserError(
                    refused.message, hint=refused.hint, code=refused.code, params=refused.params
                )
            else:
                plain = UserError(type(refused).__name__)
            self.send(("reply", call.call_id, False, plain))


class WorkerPool:
    """Runs jobs in up to `limit` worker processes, started when first needed."""

    def __init__(self, services: Services, *, limit: int, data_dir: str) -> None:
        self.services = services
        self.limit = max(1, limit)
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._numbers = itertools.count(1)
        self._closed = False

    # -- workers ------------------------------------------------------------------------------
    def warm(
        self,
        ports: int,
        *,
        wait: float | None = None,
        plan: tuple[str, JobPlan] | None = None,
    ) -> None:
        """Start the processes `ports` ports will need now, instead of at their first job, and
        hand each the package's `plan` (its id and plan) so it readies itself for it (the family's
        libraries and compressed images). `wait`: until every worker answers and is ready."""
        with self._lock:
            wanted = min(self.limit, max(1, -(-ports // PORTS_PER_PROCESS)))
            while len(self._live()) < wanted and not self._closed:
                self._workers.append(_Worker(self, next(self._numbers)))
            workers = self._live()
            plan_id, job_plan = plan if plan is not None else ("", None)
            for worker in workers:
                if job_plan is not None and worker.plan_id != plan_id:
                    with contextlib.suppress(OSError, EOFError, ValueError):
                        worker.prepared.clear()
                        worker.send(("plan", plan_id, job_plan))
                        worker.plan_id = plan_id
        if wait is not None:
            deadline = time.monotonic() + wait
            for worker in workers:
                worker.ready.wait(max(0.0, deadline - time.monotonic()))
                if plan is not None:
                    worker.prepared.wait(max(0.0, deadline - time.monotonic()))

    def _live(self) -> list[_Worker]:
        return [w for w in self._workers if w.alive]

    def _pick(self) -> _Worker:
        """The least busy live worker, or a new one while every worker has 8 ports or more."""
        live = self._live()
        best = min(live, key=lambda w: len(w.flights), default=None)
        if best is None or (len(best.flights) >= PORTS_PER_PROCESS and len(live) < self.limit):
            best = _Worker(self, next(self._numbers))
            self._workers.append(best)
        return best

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._live() if w.process.pid is not None]

    # -- jobs ---------------------------------------------------------------------------------
    def job(
        self, *, port: str, plan: JobPlan, plan_id: str, config: JobConfig, cancel: CancelToken
    ) -> RemoteJob:
        """A job for the station's thread to `run`; `plan_id` names `plan` (new per package)."""
        flight = _Flight(new_job_id(), port, plan, plan_id, config)
        return RemoteJob(self, flight, cancel)

    def _submit(self, flight: _Flight) -> _Worker:
        """Hand the job to a worker (a fresh one if the chosen one turns out to be gone)."""
        with self._lock:
            for _attempt in range(2):
                if self._closed:
                    raise StorageError("the station is stopping")
                worker = self._pick()
                worker.flights[flight.job_id] = flight
                try:
                    if worker.plan_id != flight.plan_id:
                        worker.send(("plan", flight.plan_id, flight.plan))
                        worker.plan_id = flight.plan_id
                    start = ("start", flight.job_id, flight.port, flight.plan_id, flight.config)
                    worker.send(start)
                except (OSError, EOFError, ValueError):
                    worker.alive = False
                    del worker.flights[flight.job_id]
                    continue
                return worker
        raise StorageError("the worker processes do not start")

    def cancel(self, worker: _Worker, job_id: str, reason: Reason) -> None:
        with contextlib.suppress(OSError, EOFError, ValueError):
            worker.send(("cancel", job_id, reason))

    # -- what the readers report --------------------------------------------------------------
    def seen_call(self, worker: _Worker, call: Call, value: Any) -> None:
        """Follow the job's license and chip as its calls succeed (to settle a lost job)."""
        flight = worker.flights.get(call.job_id)
        if flight is None:
            return
        target, method, args = call.target, call.method, call.args
        steps = flight.license
        if target == "ledger":
            if method == "reserve":
                steps.reservation = value
            elif method == "mark_sending":
                steps.sending = True
            elif method == "mark_written":
                steps.written = True
            elif method == "mark_verified":
                steps.verified = True
            elif method == "quarantine" and steps.reservation is not None:
                steps.quarantined |= args[0] == steps.reservation.license_id
        elif target == "chips":
            if method == "claim":
                flight.claimed_mac = args[0]
            elif method == "release":
                flight.claimed_mac = ""

    def seen_event(self, worker: _Worker, event: PortEvent) -> None:
        flight = worker.flights.get(event.job_id)
        if flight is not None and isinstance(event, ChipIdentified):
            flight.chip = ChipInfo(
                family=event.family, mac=event.mac, chip_id=event.chip_id, flash_size=None
            )
        self.services.publish(event)

    def finished(self, worker: _Worker, job_id: str, result: JobResult) -> None:
        with self._lock:
            flight = worker.flights.pop(job_id, None)
        if flight is not None:
            flight.result = result
            flight.done.set()

    def lost(self, worker: _Worker) -> None:
        """The worker's pipe closed: settle every job it still had, as each job would have."""
        with self._lock:
            worker.alive = False
            flights, worker.flights = list(worker.flights.values()), {}
        with contextlib.suppress(OSError):
            worker.conn.close()
        for flight in flights:
            try:
                flight.result = self._settle(flight)
            except Exception as error:  # noqa: BLE001 - the job must still end
                report_crash(type(error), error, error.__traceback__)
                flight.result = JobResult(
                    flight.job_id, flight.port, JobState.FAILED, Reason.INTERNAL, LOST_DETAIL
                )
            flight.done.set()

    def _settle(self, flight: _Flight) -> JobResult:
        services, steps = self.services, flight.license
        reservation, publish = steps.reservation, services.publish
        refused = steps.settle(services.ledger, flight.job_id, Reason.INTERNAL, LOST_DETAIL)
        if refused:
            text, say, params = said(LogSay.LEDGER_REFUSED, refused=refused)
            publish(
                LogLine(
                    port=flight.port,
                    job_id=flight.job_id,
                    level="error",
                    text=text,
                    say=say,
                    params=params,
                )
            )
        if flight.claimed_mac:
            services.chips.release(flight.claimed_mac, flight.port)
        seconds = (dt.datetime.now(dt.UTC) - flight.started_at).total_seconds()
        publish(
            StateChanged(
                port=flight.port, job_id=flight.job_id, state=JobState.FAILED, step=LOST_DETAIL
            )
        )
        return JobResult(
            job_id=flight.job_id,
            port=flight.port,
            state=JobState.FAILED,
            reason=Reason.INTERNAL,
            detail=LOST_DETAIL,
            chip=flight.chip,
            uuid=reservation.uuid if reservation else "",
            reused=bool(reservation and reservation.delivered_before),
            seconds=seconds,
            started_at=flight.started_at,
        )

    # -- the end ------------------------------------------------------------------------------
    def close(self, timeout: float = 10.0) -> None:
        """Stop every worker (their jobs have ended: the station joined them first)."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for worker in workers:
            with contextlib.suppress(OSError, EOFError, ValueError):
                worker.send(("stop",))
        for worker in workers:
            worker.process.join(timeout)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.reader.join()
            worker.process.close()


class RemoteJob:
    """A job run in a worker; `run` blocks the station's job thread until it ends."""

    def __init__(self, pool: WorkerPool, flight: _Flight, cancel: CancelToken) -> None:
        self.pool = pool
        self.job_id = flight.job_id
        self.port = flight.port
        self.plan = flight.plan
        self.config = flight.config
        self._cancel = cancel
        self._flight = flight

    def run(self) -> JobResult:
        flight = self._flight
        try:
            worker = self.pool._submit(flight)
        except (StorageError, OSError, EOFError, ValueError) as error:
            detail = error.message if isinstance(error, UserError) else str(error)
            return JobResult(self.job_id, self.port, JobState.FAILED, Reason.INTERNAL, detail)
        self._cancel.on_cancel(lambda: self.pool.cancel(worker, self.job_id, self._cancel.reason))
        # The job's own watchdog bounds it; this bound is for a worker that hangs as a whole.
        if not flight.done.wait(flight.config.settings.job_timeout_s + 60):
            worker.process.kill()  # the reader sees the pipe close and settles the job
            flight.done.wait()
        assert flight.result is not None
        return flight.result

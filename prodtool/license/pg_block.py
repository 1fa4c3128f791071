"""A pool station that keeps going through a short network outage.

While the pool answers, the station holds a small block of licenses ahead (`block_size`; the
station asks for twice its ports): reserved in the pool with job id `block:<station>`, on no
chip. A lapsed lease never releases them (see `sqlstore.BLOCK_JOB`): the station may be alive
behind a broken network with moves for them in its journal.

When the pool stops answering, a reservation comes from the block and every move of a block
license goes into the station's journal (SQLite in the station folder, each move fsynced) instead
of the pool. The job reads what a chip holds before its AuthKey leaves (`PortJob`), so a chip
that holds a license already is never given a second one; and a chip the journal has bound gets
the same license again. Beyond the block, a reservation fails with a clear reason, and the line
resumes by itself once the pool answers.

When the pool answers again, `replay` applies the journal in order: each offline reservation
binds its block license to the chip (a chip the pool meanwhile binds to another license is not
bound twice: the block license is quarantined with both names, for a supervisor), then the moves
follow as the job made them. A replayed move that the pool already holds is skipped, so a crash
mid-replay repeats nothing. Then the block is topped up again.
"""

# ruff: noqa: S608 - SQL text is built from constant column lists and placeholders only
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from prodtool.errors import StorageError
from prodtool.license import moves
from prodtool.license.errors import ChipBusy, TransitionError
from prodtool.license.ledger import ChipIdentity, LicenseRecord, Reservation
from prodtool.license.model import LicenseState
from prodtool.license.moves import Move
from prodtool.license.pg_journal import RESERVE, Journal
from prodtool.license.pg_store import PgLedger
from prodtool.license.sqlstore import BLOCK_JOB, Row, _retried, now

log = logging.getLogger(__name__)
_S = LicenseState
MIN_BLOCK = 16  # a station's block before it knows its ports (settings' pool_block = 0)


@dataclass
class _Held:
    """A block license as the journal knows it while the pool is away."""

    license_id: int
    package_id: str
    uuid: str
    sealed: bytes
    state: LicenseState = _S.RESERVED
    job_id: str = ""
    sent: bool = False
    chip: ChipIdentity | None = None
    prior: LicenseState = _S.AVAILABLE  # where a release takes it back to


class BlockPgLedger(PgLedger):
    """The pool ledger with a block held ahead and an outage journal (see the module's text)."""

    block_size = 0  # licenses held ahead per package in use; set by the station
    journal: Journal | None = None

    def use_journal(self, path: Path, block_size: int) -> None:
        """Keep the outage journal at `path` and hold `block_size` licenses ahead; moves a
        previous run journaled are replayed now if the pool answers."""
        self._block_lock = threading.RLock()
        self._held: dict[int, _Held] = {}
        self._packages: set[str] = set()
        self.offline = threading.Event()
        with self._block_lock:  # the lease keeper's round waits until this is set up
            journal = Journal(path)
            for lid, package_id, uuid, sealed, _ in journal.block():
                self._held[lid] = _Held(lid, package_id, uuid, sealed)
                self._packages.add(package_id)
            self.block_size = block_size
            self.journal = journal
            self._replay_moves_into_memory()
            self.catch_up()

    @property
    def _block_job(self) -> str:
        return f"{BLOCK_JOB}{self.station}"

    def _replay_moves_into_memory(self) -> None:
        assert self.journal is not None
        for _, lid, move, job_id, _, family, mac, chip_id, _ in self.journal.pending():
            held = self._held.get(lid)
            if held is None:
                continue
            if move == RESERVE:
                held.job_id, held.chip = job_id, ChipIdentity(family, mac, chip_id)
            else:
                rule = moves.RULES[Move(move)]
                held.state = rule.to or _S.AVAILABLE
                held.sent = held.sent or rule.sent == 1

    # ------------------------------------------------------------------ the block, online

    def refill(self) -> int:
        """Top the block up to `block_size` for every package this station reserved from;
        returns how many licenses were added."""
        if self.journal is None or self.offline.is_set():
            return 0
        added = 0
        with self._block_lock:
            for package_id in sorted(self._packages):
                free = sum(
                    1 for h in self._held.values() if h.package_id == package_id and not h.job_id
                )
                want = self.block_size - free
                if want > 0:
                    added += self._take_block(package_id, want)
        return added

    @_retried
    def _take_block(self, package_id: str, count: int) -> int:
        assert self.journal is not None
        with self._write(durable=True) as tx:
            pkg = self._package_key(tx, package_id)
            rows: list[Row] = []
            # from the reserve cursor first (see `pg_moves.RESERVE`), then from the head
            for after in dict.fromkeys((self._last_taken.get(pkg, 0), 0)):
                rows += [
                    Row.of(r)
                    for r in tx.execute(
                        f"SELECT {Row.COLUMNS} FROM licenses WHERE package = ?"
                        f" AND state = 'available' AND id > ? AND id <> ALL(?)"
                        f" ORDER BY id LIMIT ?{self._skip_locked}",
                        (pkg, after, [r.id for r in rows], count - len(rows)),
                    ).fetchall()
                ]
                if len(rows) >= count:
                    break
            if rows:
                self._last_taken[pkg] = max(self._last_taken.get(pkg, 0), *(r.id for r in rows))
            for lic in rows:
                self._event(tx, lic, "block", _S.RESERVED, job_id=self._block_job, port="")
                tx.execute(
                    "UPDATE licenses SET state = 'reserved', prior_state = 'available', sent = 0,"
                    " job_id = ?, owner = ?, updated_at = ? WHERE id = ?",
                    (self._block_job, self._owner, now(), lic.id),
                )
        self.journal.hold([(r.id, package_id, r.uuid, r.authkey) for r in rows])
        for r in rows:
            self._held[r.id] = _Held(r.id, package_id, r.uuid, r.authkey)
        return len(rows)

    def held_free(self, package_id: str) -> int:
        """Block licenses held for `package_id` that no job has taken yet."""
        with self._block_lock:
            return sum(
                1 for h in self._held.values() if h.package_id == package_id and not h.job_id
            )

    def give_block_back(self) -> int:
        """Release the untaken block licenses (the station closes with an empty journal)."""
        if self.journal is None or self.journal.pending():
            return 0
        with self._block_lock:
            free = [h for h in self._held.values() if not h.job_id]
            with self._write(durable=True) as tx:
                for h in free:
                    lic = self._get(tx, h.license_id)
                    if lic.state == _S.RESERVED and lic.job_id == self._block_job:
                        self._set_state(
                            tx,
                            lic,
                            _S.AVAILABLE,
                            Move.RELEASE.value,
                            reason="block given back",
                            clear_chip=True,
                            sent=0,
                        )
            self.journal.drop([h.license_id for h in free])
            for h in free:
                del self._held[h.license_id]
        return len(free)

    def close(self) -> None:
        if self.journal is not None and not self._stop.is_set():
            try:
                self.catch_up()
                self.give_block_back()
            except StorageError as error:
                log.warning("the block stays with this station until it is back: %s", error)
        super().close()
        if self.journal is not None:
            self.journal.close()

    # ------------------------------------------------------------------ outages

    def _pool_away(self, error: StorageError) -> bool:
        if error.code != "pool_unreachable" or self.journal is None:
            return False
        if not self.offline.is_set():
            log.warning("the license pool is away: the line goes on with its block (%s)", error)
        self.offline.set()
        return True

    def catch_up(self) -> bool:
        """Replay the journal if the pool answers; True when nothing is left to replay. The
        lease keeper calls it, so the line resumes by itself."""
        if self.journal is None:
            return True
        with self._block_lock:
            try:
                if self.offline.is_set():
                    self.revive()  # a fresh connection pool, or at once: still away
                self._replay()
                self._adopt()
            except StorageError as error:
                if error.code != "pool_unreachable":
                    raise
                self.offline.set()
                return False
            self.offline.clear()
        try:
            self.refill()
        except StorageError as error:
            log.warning("the block could not be topped up: %s", error)
        return True

    def _replay(self) -> None:
        assert self.journal is not None
        for seq, lid, move, job_id, port, family, mac, chip_id, reason in self.journal.pending():
            if move == RESERVE:
                chip = ChipIdentity(family, mac, chip_id)
                self._bind_offline(lid, chip, job_id=job_id, port=port)
            else:
                self._apply(lid, Move(move), job_id, reason)
            self.journal.done(seq)
        # Every license a job took from the block is an ordinary license of the pool now (a job
        # still running goes on with the pool itself).
        taken = [lid for lid, h in self._held.items() if h.job_id]
        self.journal.drop(taken)
        for lid in taken:
            del self._held[lid]

    def _adopt(self) -> None:
        """Hold again the block rows the pool keeps for this station that the journal lacks (a
        station started again without its journal file, or on another computer)."""
        assert self.journal is not None
        with self._read() as tx:
            rows = tx.execute(
                "SELECT l.id, p.package_id, l.uuid, l.authkey FROM licenses l"
                " JOIN packages p ON p.id = l.package WHERE l.state = 'reserved' AND l.job_id = ?",
                (self._block_job,),
            ).fetchall()
        missing = [
            (int(r[0]), str(r[1]), str(r[2]), bytes(r[3])) for r in rows if r[0] not in self._held
        ]
        if missing:
            self.journal.hold(missing)
            for lid, package_id, uuid, sealed in missing:
                self._held[lid] = _Held(lid, package_id, uuid, sealed)
                self._packages.add(package_id)

    @_retried
    def _bind_offline(self, license_id: int, chip: ChipIdentity, *, job_id: str, port: str) -> None:
        """Bind a block license to the chip it was given offline, once."""
        with self._write(durable=True) as tx:
            lic = self._get(tx, license_id)
            if lic.job_id == job_id:
                return  # replayed before a crash: done already
            if _binds(lic, chip) and LicenseState(lic.state) in moves.REUSABLE - {_S.RESERVED}:
                # the chip came back during the outage and got its own license again
                self._event(
                    tx, lic, "reserve-again", _S.RESERVED, job_id=job_id, port=port, chip=chip
                )
                self._bind(
                    tx,
                    lic.id,
                    prior_state=lic.state,
                    family=chip.family,
                    mac=lic.chip_mac,
                    chip_id=lic.chip_id,
                    port=port,
                    job_id=job_id,
                )
                return
            if lic.state != _S.RESERVED or lic.job_id != self._block_job:
                log.error("license %s left this station's block meanwhile: not bound", lic.uuid)
                return
            other = tx.execute(
                "SELECT uuid, state, job_id, sent, id FROM licenses WHERE package = ? AND id != ?"
                " AND (chip_mac = ? OR chip_id = ?)",
                (lic.package, lic.id, chip.mac or None, chip.chip_id or None),
            ).fetchone()
            if other is not None and other[2] == job_id and other[1] == "reserved" and not other[3]:
                mine = self._get(tx, int(other[4]))  # this job's own reservation, cut mid-commit
                self._set_state(
                    tx,
                    mine,
                    _S.AVAILABLE,
                    Move.RELEASE.value,
                    reason="replaced by the block",
                    clear_chip=True,
                    sent=0,
                )
                other = None
            if other is not None:
                why = (
                    f"given offline to chip {chip.mac or chip.chip_id}, which the pool binds to"
                    f" license {other[0]} ({other[1]}): read the chip back"
                )
                log.error("license %s quarantined: %s", lic.uuid, why)
                self._set_state(tx, lic, _S.QUARANTINED, Move.QUARANTINE.value, reason=why)
                return
            self._event(
                tx, lic, "reserve-offline", _S.RESERVED, job_id=job_id, port=port, chip=chip
            )
            self._bind(
                tx,
                lic.id,
                prior_state=_S.AVAILABLE.value,
                family=chip.family,
                mac=chip.mac or None,
                chip_id=chip.chip_id or None,
                port=port,
                job_id=job_id,
            )

    def _apply(self, license_id: int, move: Move, job_id: str, reason: str) -> None:
        """One journaled move; one the pool holds already (or cannot take) is said and skipped."""
        try:
            if move is Move.SENDING:
                super().mark_sending(license_id, job_id=job_id)
            elif move is Move.WRITTEN:
                super().mark_written(license_id, job_id=job_id)
            elif move is Move.VERIFIED:
                super().mark_verified(license_id, job_id=job_id)
            elif move is Move.NEEDS_CHECK:
                super().mark_needs_check(license_id, job_id=job_id, reason=reason)
            elif move is Move.RELEASE:
                super().release(license_id, job_id=job_id, reason=reason)
        except TransitionError as error:
            state = self.record(license_id).state
            if state is not moves.RULES[move].to:
                log.error("a journaled move was not applied: %s", error.message)

    # ------------------------------------------------------------------ the job's moves

    def reserve(
        self, package_id: str, chip: ChipIdentity, *, job_id: str, port: str
    ) -> Reservation:
        if self.journal is None:
            return super().reserve(package_id, chip, job_id=job_id, port=port)
        self._packages.add(package_id)
        if not self.offline.is_set():
            try:
                return super().reserve(package_id, chip, job_id=job_id, port=port)
            except StorageError as error:
                if not self._pool_away(error):
                    raise
        return self._reserve_offline(package_id, chip, job_id=job_id, port=port)

    def licenses_for_chip(
        self, chip: ChipIdentity, package_id: str | None = None
    ) -> list[LicenseRecord]:
        """Online, the pool's answer. Offline, none: the job's look for a finished device of
        another package waits for the pool, and a chip that holds a pool license is still never
        given a second one (the job reads the chip before an offline license leaves)."""
        if self.journal is None or not self.offline.is_set():
            try:
                return super().licenses_for_chip(chip, package_id)
            except StorageError as error:
                if self.journal is None or not self._pool_away(error):
                    raise
        return []

    def _reserve_offline(
        self, package_id: str, chip: ChipIdentity, *, job_id: str, port: str
    ) -> Reservation:
        assert self.journal is not None
        with self._block_lock:
            for held in self._held.values():
                if (
                    held.chip is not None
                    and held.package_id == package_id
                    and _same(held.chip, chip)
                ):
                    if held.state is _S.RESERVED and held.job_id != job_id:
                        raise ChipBusy(
                            f"chip {chip.mac or chip.chip_id} is being written by job"
                            f" {held.job_id}",
                            hint="wait for that job to finish",
                        )
                    return self._give(held, chip, job_id=job_id, port=port, reused=True)
            free = [h for h in self._held.values() if h.package_id == package_id and not h.job_id]
            if not free:  # the keeper's next round replays and takes the line back online
                raise StorageError(
                    f"{self.location} is unreachable and this station's block of"
                    f" {self.block_size} licenses is used up",
                    hint="the line resumes by itself when the pool answers again",
                    code="pool_unreachable",
                )
            return self._give(
                min(free, key=lambda h: h.license_id), chip, job_id=job_id, port=port, reused=False
            )

    def _give(
        self, held: _Held, chip: ChipIdentity, *, job_id: str, port: str, reused: bool
    ) -> Reservation:
        assert self.journal is not None
        authkey = self._key.open(held.sealed, package_id=held.package_id, uuid=held.uuid)
        if not reused:
            before = _S.AVAILABLE
        else:  # the same job asking again keeps what its reservation had replaced
            before = held.prior if held.state is _S.RESERVED else held.state
        self.journal.append(
            held.license_id,
            RESERVE,
            job_id,
            port=port,
            family=chip.family,
            mac=chip.mac,
            chip_id=chip.chip_id,
        )
        held.prior = before
        held.job_id, held.chip, held.state, held.sent = job_id, chip, _S.RESERVED, False
        return Reservation(held.license_id, held.package_id, held.uuid, authkey, reused, before)

    def _journaled(self, license_id: int) -> _Held | None:
        """The block license a job got offline, while its moves are not in the pool yet."""
        if self.journal is None:
            return None
        with self._block_lock:
            held = self._held.get(license_id)
            return held if held is not None and held.job_id else None

    def _offline_move(self, held: _Held, move: Move, job_id: str, reason: str = "") -> None:
        assert self.journal is not None
        with self._block_lock:
            rule = moves.check(
                move, uuid=held.uuid, state=held.state, holder=held.job_id, job_id=job_id
            )
            if move is Move.RELEASE:
                moves.release_target(uuid=held.uuid, sent=int(held.sent), prior=None)
            if move is Move.SENDING and held.sent:
                return
            self.journal.append(held.license_id, move.value, job_id, reason=reason)
            held.state = rule.to or held.prior
            held.sent = held.sent or rule.sent == 1
        if not self.offline.is_set():
            self.catch_up()  # the pool is back: this job's moves reach it now

    def mark_sending(self, license_id: int, *, job_id: str) -> None:
        if (held := self._journaled(license_id)) is not None:
            return self._offline_move(held, Move.SENDING, job_id)
        return super().mark_sending(license_id, job_id=job_id)

    def mark_written(self, license_id: int, *, job_id: str) -> None:
        if (held := self._journaled(license_id)) is not None:
            return self._offline_move(held, Move.WRITTEN, job_id)
        return super().mark_written(license_id, job_id=job_id)

    def mark_verified(self, license_id: int, *, job_id: str) -> None:
        if (held := self._journaled(license_id)) is not None:
            return self._offline_move(held, Move.VERIFIED, job_id)
        return super().mark_verified(license_id, job_id=job_id)

    def mark_needs_check(self, license_id: int, *, job_id: str, reason: str) -> None:
        if (held := self._journaled(license_id)) is not None:
            return self._offline_move(held, Move.NEEDS_CHECK, job_id, reason)
        return super().mark_needs_check(license_id, job_id=job_id, reason=reason)

    def release(self, license_id: int, *, job_id: str, reason: str) -> None:
        if (held := self._journaled(license_id)) is not None:
            return self._offline_move(held, Move.RELEASE, job_id, reason)
        return super().release(license_id, job_id=job_id, reason=reason)

    def _keep_once(self) -> None:
        if self.journal is not None and self.offline.is_set() and not self.catch_up():
            return  # still away: the lease waits for the next round
        super()._keep_once()
        self.catch_up()


def _binds(lic: Row, chip: ChipIdentity) -> bool:
    return bool(
        (chip.mac and lic.chip_mac == chip.mac) or (chip.chip_id and lic.chip_id == chip.chip_id)
    )


def _same(a: ChipIdentity, b: ChipIdentity) -> bool:
    return bool((a.mac and a.mac == b.mac) or (a.chip_id and a.chip_id == b.chip_id))

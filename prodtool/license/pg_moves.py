"""The pool's hot moves, each one SQL statement: a fresh reservation, `mark_sending`,
`mark_written` and `mark_verified`.

A move that is one statement runs in autocommit as its own transaction: one round trip to the
server, where the shared moves (`sqlstore`) take two or three (BEGIN with the read, then the
writes with COMMIT). Under load each round trip costs a wake-up of the server process and of the
station's thread, which is what the reserve + commit latency was made of. The statement locks
the license row, writes the state and the history event only when the move fits, and returns
what the row held, so a move that does not fit is refused by `moves.check` as before (nothing
was changed). Anything unusual (a chip already bound, a license whose AuthKey does not open)
takes the shared path. `synchronous_commit` is set inside the statement (`set_config`, local to
its transaction) for the moves SQLite commits without an fsync.
"""

# ruff: noqa: S608 - the SQL text is built from a constant column list; values are always bound
from __future__ import annotations

# The history event's columns, in `sqlstore._event`'s order.
_EVENT_COLUMNS = (
    "at, license_id, package, event, from_state, to_state, job_id, port, chip_mac, chip_id,"
    " owner, reason"
)

# A fresh license for a chip no license of the package is bound to. Returns one row: how many
# licenses the chip is bound to (not 0: nothing was done, the shared path decides), then the
# license taken (NULLs when none was free). The search starts after `after`, the last license
# this station took: every license reserved since the last vacuum leaves a dead entry at the
# head of the free-license index, and a search from the head walks them all (up to about 200,000
# on a 1M-license package before autovacuum comes). None found after it: search from the head.
RESERVE = f"""
WITH cfg AS (SELECT set_config('synchronous_commit', %(sync)s, true) AS s),
bound AS (
    SELECT id FROM licenses
    WHERE package = %(pkg)s AND (chip_mac = %(mac)s OR chip_id = %(chip_id)s)
),
pick AS (
    SELECT id, uuid, authkey FROM licenses
    WHERE package = %(pkg)s AND state = 'available' AND id > %(after)s
        AND NOT EXISTS (SELECT 1 FROM bound)
    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
),
upd AS (
    UPDATE licenses l SET state = 'reserved', prior_state = 'available', sent = 0,
        chip_family = %(family)s, chip_mac = %(mac)s, chip_id = %(chip_id)s, port = %(port)s,
        job_id = %(job)s, owner = %(owner)s, updated_at = %(at)s
    FROM pick, cfg WHERE l.id = pick.id
    RETURNING l.id
),
ev AS (
    INSERT INTO events ({_EVENT_COLUMNS})
    SELECT %(at)s, upd.id, %(pkg)s, 'reserve', 'available', 'reserved', %(job)s, %(port)s,
        %(mac)s, %(chip_id)s, %(owner)s, NULL
    FROM upd
)
SELECT (SELECT count(*) FROM bound), pick.id, pick.uuid, pick.authkey
FROM (SELECT 1) one LEFT JOIN pick ON true
"""

# A move of the job's own reservation (`sources` -> `to`; `sent` afterwards; `keep_owner` for
# `mark_sending`, which also needs `sent = 0` to do anything). Returns the row as it was and
# whether the move was made; no row: no such license.
OWNED = f"""
WITH cfg AS (SELECT set_config('synchronous_commit', %(sync)s, true) AS s),
old AS (
    SELECT id, package, uuid, state, sent, job_id, port, chip_mac, chip_id
    FROM licenses WHERE id = %(id)s FOR UPDATE
),
upd AS (
    UPDATE licenses l SET state = %(to)s, updated_at = %(at)s, sent = %(sent)s,
        owner = CASE WHEN %(keep_owner)s THEN l.owner END,
        prior_state = CASE WHEN %(keep_owner)s THEN l.prior_state END
    FROM old, cfg
    WHERE l.id = old.id AND old.state = ANY(%(sources)s) AND old.job_id = %(job)s
        AND (NOT %(keep_owner)s OR old.sent = 0)
    RETURNING l.id
),
ev AS (
    INSERT INTO events ({_EVENT_COLUMNS})
    SELECT %(at)s, old.id, old.package, %(event)s, old.state, %(to)s, old.job_id, old.port,
        old.chip_mac, old.chip_id, %(owner)s, NULL
    FROM old JOIN upd ON upd.id = old.id
)
SELECT old.uuid, old.state, old.job_id, old.sent, EXISTS (SELECT 1 FROM upd) FROM old
"""

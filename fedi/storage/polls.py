"""Polls and votes: one `polls` row per post with a poll, one `poll_votes` row per chosen option.

Counts per option are cached on the poll row (`votes`, `voters_count`): local polls are recounted
from their votes in the transaction that adds a vote; remote polls keep what their Question said,
plus our own votes added at once. Batch readers load a page's polls and the viewer's own votes
in one thread hop.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from fedi.storage.clock import now_db
from fedi.storage.db import Conn, Tx
from fedi.storage.ids import new_id
from fedi.storage.paging import marks


@dataclass(frozen=True, slots=True, kw_only=True)
class Poll:
    """A post's poll: options in order with their vote counts, and how it ends."""

    post_id: int
    options: tuple[str, ...]
    votes: tuple[int, ...]
    multiple: bool = False
    hide_totals: bool = False
    voters_count: int = 0
    expires_at: str | None = None
    closed_at: str | None = None
    ended_at: str | None = None
    update_queued: bool = False


def _poll(row: sqlite3.Row) -> Poll:
    options = tuple(str(o) for o in json.loads(row["options"]))
    counts = [int(v) for v in json.loads(row["votes"])]
    counts = (counts + [0] * len(options))[: len(options)]
    return Poll(
        post_id=row["post_id"],
        options=options,
        votes=tuple(counts),
        multiple=bool(row["multiple"]),
        hide_totals=bool(row["hide_totals"]),
        voters_count=row["voters_count"],
        expires_at=row["expires_at"],
        closed_at=row["closed_at"],
        ended_at=row["ended_at"],
        update_queued=bool(row["update_queued"]),
    )


def polls_among(
    c: sqlite3.Connection, viewer_id: int | None, post_ids: Sequence[int]
) -> tuple[dict[int, Poll], dict[int, tuple[int, ...]]]:
    """(polls by post id, the viewer's chosen options by post id) of a batch of posts, on the
    database thread (for batch loaders that already run there). One statement."""
    if not post_ids:
        return {}, {}
    ids = list(post_ids)
    rows = c.execute(
        "SELECT p.*, (SELECT group_concat(v.choice) FROM poll_votes v"
        " WHERE v.post_id = p.post_id AND v.account_id = ?) AS own"
        f" FROM polls p WHERE p.post_id IN ({marks(ids)})",  # noqa: S608
        [viewer_id, *ids],
    ).fetchall()
    polls = {row["post_id"]: _poll(row) for row in rows}
    own = {
        row["post_id"]: tuple(sorted(int(c) for c in row["own"].split(",")))
        for row in rows
        if row["own"]
    }
    return polls, own


async def load_polls(
    conn: Conn, viewer_id: int | None, post_ids: Sequence[int]
) -> tuple[dict[int, Poll], dict[int, tuple[int, ...]]]:
    """`polls_among` in one hop: a page's polls and the viewer's own votes."""
    if not post_ids:
        return {}, {}
    ids = list(post_ids)
    return await conn.run(lambda c: polls_among(c, viewer_id, ids))


async def get_poll(conn: Conn, post_id: int) -> Poll | None:
    """The poll of a post, or None."""
    row = await conn.fetchone("SELECT * FROM polls WHERE post_id = ?", (post_id,))
    return _poll(row) if row is not None else None


async def insert_poll(
    tx: Tx,
    *,
    post_id: int,
    options: Sequence[str],
    multiple: bool,
    hide_totals: bool,
    expires_at: str | None,
    votes: Sequence[int] | None = None,
    voters_count: int = 0,
    closed_at: str | None = None,
) -> None:
    """Store a new poll (no votes yet unless `votes` says so: remote polls)."""
    now = now_db()
    await tx.execute(
        "INSERT INTO polls (post_id, options, votes, multiple, hide_totals, voters_count,"
        " expires_at, closed_at, created_at, updated_at)"
        " VALUES (:post_id, :options, :votes, :multiple, :hide_totals, :voters, :expires_at,"
        " :closed_at, :now, :now)",
        {
            "post_id": post_id,
            "options": json.dumps(list(options), ensure_ascii=False),
            "votes": json.dumps(list(votes) if votes is not None else [0] * len(options)),
            "multiple": int(multiple),
            "hide_totals": int(hide_totals),
            "voters": voters_count,
            "expires_at": expires_at,
            "closed_at": closed_at,
            "now": now,
        },
    )


async def update_remote_tallies(
    tx: Tx,
    post_id: int,
    *,
    options: Sequence[str],
    votes: Sequence[int],
    multiple: bool,
    voters_count: int,
    expires_at: str | None,
    closed_at: str | None,
) -> None:
    """Replace a remote poll's figures with those of its latest Question."""
    await tx.execute(
        "UPDATE polls SET options = :options, votes = :votes, multiple = :multiple,"
        " voters_count = :voters, expires_at = :expires_at,"
        " closed_at = coalesce(closed_at, :closed_at), updated_at = :now WHERE post_id = :post_id",
        {
            "post_id": post_id,
            "options": json.dumps(list(options), ensure_ascii=False),
            "votes": json.dumps(list(votes)),
            "multiple": int(multiple),
            "voters": voters_count,
            "expires_at": expires_at,
            "closed_at": closed_at,
            "now": now_db(),
        },
    )


def _record(
    c: sqlite3.Connection,
    post_id: int,
    account_id: int,
    choices: Sequence[int],
    uris: Sequence[str | None],
    recount: bool,
    exclusive: bool,
) -> tuple[Poll, list[int]] | None:
    """Insert the votes and refresh the cached counts; None when any was there already."""
    now = now_db()
    if (
        exclusive
        and c.execute(
            "SELECT 1 FROM poll_votes WHERE post_id = ? AND account_id = ?", (post_id, account_id)
        ).fetchone()
    ):
        return None
    ids: list[int] = []
    for choice, uri in zip(choices, uris, strict=True):
        vote_id = new_id()
        try:
            c.execute(
                "INSERT INTO poll_votes (id, post_id, account_id, choice, uri, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (vote_id, post_id, account_id, choice, uri, now),
            )
        except sqlite3.IntegrityError:
            for earlier in ids:
                c.execute("DELETE FROM poll_votes WHERE id = ?", (earlier,))
            return None
        ids.append(vote_id)
    row = c.execute("SELECT * FROM polls WHERE post_id = ?", (post_id,)).fetchone()
    poll = _poll(row)
    counts = list(poll.votes)
    if recount:
        counts = [0] * len(poll.options)
        for choice, n in c.execute(
            "SELECT choice, count(*) FROM poll_votes WHERE post_id = ? GROUP BY choice", (post_id,)
        ):
            if 0 <= choice < len(counts):
                counts[choice] = n
        voters = c.execute(
            "SELECT count(DISTINCT account_id) FROM poll_votes WHERE post_id = ?", (post_id,)
        ).fetchone()[0]
    else:
        for choice in choices:
            counts[choice] += 1
        voters = poll.voters_count + 1
    c.execute(
        "UPDATE polls SET votes = ?, voters_count = ?, updated_at = ? WHERE post_id = ?",
        (json.dumps(counts), voters, now, post_id),
    )
    return _poll(c.execute("SELECT * FROM polls WHERE post_id = ?", (post_id,)).fetchone()), ids


async def record_votes(
    tx: Tx,
    *,
    post_id: int,
    account_id: int,
    choices: Sequence[int],
    uris: Sequence[str | None],
    recount: bool,
    exclusive: bool = True,
) -> tuple[Poll, list[int]] | None:
    """Add one account's votes (one row per choice) and refresh the poll's counts, in one hop:
    recounted from the votes (`recount`, local polls) or added to the remote figures.

    Returns the updated poll and the new vote ids; None (nothing written) when the account had
    already chosen one of these options, had voted at all (`exclusive`), or a vote `uri` was
    seen before.
    """
    wanted = list(choices)
    names = list(uris)
    return await tx.run(
        lambda c: _record(c, post_id, account_id, wanted, names, recount, exclusive)
    )


async def mark_update_queued(tx: Tx, post_id: int) -> bool:
    """Flag that a tally update is queued; False when one was queued already (debounce)."""
    return bool(
        await tx.execute(
            "UPDATE polls SET update_queued = 1 WHERE post_id = ? AND update_queued = 0",
            (post_id,),
        )
    )


async def clear_update_queued(tx: Tx, post_id: int) -> None:
    """The queued tally update is being sent: later votes queue another."""
    await tx.execute("UPDATE polls SET update_queued = 0 WHERE post_id = ?", (post_id,))


async def mark_ended(tx: Tx, post_id: int) -> bool:
    """Record that a poll's end was processed; False when it was already."""
    return bool(
        await tx.execute(
            "UPDATE polls SET ended_at = ? WHERE post_id = ? AND ended_at IS NULL",
            (now_db(), post_id),
        )
    )


async def list_local_voter_ids(conn: Conn, post_id: int) -> list[int]:
    """Local accounts that voted in a poll."""
    rows = await conn.fetchall(
        "SELECT DISTINCT v.account_id FROM poll_votes v JOIN accounts a ON a.id = v.account_id"
        " WHERE v.post_id = ? AND a.domain IS NULL ORDER BY v.account_id",
        (post_id,),
    )
    return [r[0] for r in rows]


async def list_remote_voter_inboxes(conn: Conn, post_id: int) -> list[str]:
    """Inboxes (shared ones preferred) of the remote accounts that voted in a poll."""
    rows = await conn.fetchall(
        "SELECT DISTINCT coalesce(nullif(a.shared_inbox_uri, ''), a.inbox_uri)"
        " FROM poll_votes v JOIN accounts a ON a.id = v.account_id"
        " WHERE v.post_id = ? AND a.domain IS NOT NULL AND a.deleted_at IS NULL",
        (post_id,),
    )
    return sorted(r[0] for r in rows if r[0])


async def insert_poll_notifications(
    tx: Tx, *, post_id: int, author_id: int, account_ids: Sequence[int]
) -> list[int]:
    """`poll` notifications (the poll has ended) for these accounts, from the poll's author
    (the author's own one included, as Mastodon does). Returns who was notified."""
    wanted = sorted(set(account_ids))
    now = now_db()

    def insert(c: sqlite3.Connection) -> list[int]:
        notified = []
        for account_id in wanted:
            changed = c.execute(
                "INSERT INTO notifications (id, account_id, from_account_id, type, post_id,"
                " created_at) VALUES (?, ?, ?, 'poll', ?, ?)",
                (new_id(), account_id, author_id, post_id, now),
            ).rowcount
            if changed:
                notified.append(account_id)
        return notified

    return await tx.run(insert) if wanted else []


async def move_end_job(tx: Tx, post_id: int, *, due: str, dedupe_key: str) -> bool:
    """Make a poll's waiting end job due at `due` (a remote poll closed or ended early);
    False when there is no such waiting job."""
    return bool(
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = ? WHERE dedupe_key = ?"
            " AND state IN ('pending', 'retry') AND next_attempt_at > ?",
            (due, dedupe_key, due),
        )
    )


# --- poll edits (votes reset, end rescheduled; the history's polls: storage.poll_versions) -----


async def change_poll(
    tx: Tx,
    post_id: int,
    *,
    options: Sequence[str],
    multiple: bool,
    hide_totals: bool,
    expires_at: str | None,
    reset_votes: bool,
    reopen: bool,
) -> None:
    """Give a local poll new options and settings in one hop; `reset_votes` deletes every vote
    and zeroes the counts (new options), `reopen` clears its processed end (a new end)."""
    params = {
        "post_id": post_id,
        "options": json.dumps(list(options), ensure_ascii=False),
        "zeros": json.dumps([0] * len(options)),
        "multiple": int(multiple),
        "hide_totals": int(hide_totals),
        "expires_at": expires_at,
        "reset": int(reset_votes),
        "reopen": int(reopen),
        "now": now_db(),
    }

    def work(c: sqlite3.Connection) -> None:
        if reset_votes:
            c.execute("DELETE FROM poll_votes WHERE post_id = :post_id", params)
        c.execute(
            "UPDATE polls SET options = :options, multiple = :multiple,"
            " hide_totals = :hide_totals, expires_at = :expires_at,"
            " votes = CASE WHEN :reset THEN :zeros ELSE votes END,"
            " voters_count = CASE WHEN :reset THEN 0 ELSE voters_count END,"
            " ended_at = CASE WHEN :reopen THEN NULL ELSE ended_at END,"
            " updated_at = :now WHERE post_id = :post_id",
            params,
        )

    await tx.run(work)


async def delete_poll(tx: Tx, post_id: int) -> bool:
    """Remove a post's poll and its votes; False when it had none."""
    return bool(await tx.execute("DELETE FROM polls WHERE post_id = ?", (post_id,)))


async def delete_votes(tx: Tx, post_id: int) -> int:
    """Forget every vote recorded here for a poll (its options changed); how many rows went."""
    return await tx.execute("DELETE FROM poll_votes WHERE post_id = ?", (post_id,))


async def set_end_job_due(tx: Tx, *, due: str, dedupe_key: str) -> bool:
    """Make a poll's waiting end job due at `due` (its end moved, earlier or later); False when
    no end job is waiting (it ran already, or there is none)."""
    return bool(
        await tx.execute(
            "UPDATE jobs SET next_attempt_at = ? WHERE dedupe_key = ?"
            " AND state IN ('pending', 'retry')",
            (due, dedupe_key),
        )
    )


async def free_end_job_key(tx: Tx, dedupe_key: str) -> None:
    """Delete a poll's finished end job, so a reopened poll can queue a new one."""
    await tx.execute(
        "DELETE FROM jobs WHERE dedupe_key = ? AND state IN ('done', 'dead')", (dedupe_key,)
    )

"""Fan-out: one durable `fanout` job per activity, expanded into one `deliver` job per inbox.

`enqueue_activity` runs inside the use case's transaction, so the activity leaves exactly when the
change commits. The fan-out worker then computes the recipients (the remote followers' inboxes,
shared inbox preferred, plus the explicit inboxes), drops our own inboxes, blocked domains and
hosts marked unavailable, and inserts the deliveries in one transaction. Each delivery's dedupe key
is `activity id + inbox` within its fan-out job, so a fan-out that runs twice (a crash between its
commit and its completion) creates nothing twice, while an activity that is sent again on purpose
(an Accept for a repeated Follow) still goes out.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from fedi.context import Services
from fedi.storage import accounts as account_store
from fedi.storage import follows as follow_store
from fedi.storage import hosts as host_store
from fedi.storage import jobs as job_store
from fedi.storage.db import Conn, Tx
from fedi.storage.rows import Account, Job
from fedi.workers import Queue

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]
Wake = Callable[[], object]

FANOUT_KIND = "fanout"
DELIVER_KIND = "deliver"


def inbox_host(inbox: str) -> str:
    """The host (with a non-default port) an inbox URL points at, lowercased: `example.social`."""
    parts = urlsplit(inbox)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port
    except ValueError:
        return host
    return host if port is None or port == default else f"{host}:{port}"


async def enqueue_activity(
    tx: Tx,
    *,
    actor: Account,
    activity: JsonDict,
    inboxes: Sequence[str] = (),
    to_followers: bool = False,
    wake: Wake,
) -> int | None:
    """Queue `activity` by local `actor` for the given inboxes and/or its remote followers.

    Writes one `fanout` job in the caller's transaction and calls `wake` (the job runner's) after
    commit. Returns the job id; None when there is no
    remote recipient at all (nothing is queued).
    """
    targets = [i for i in dict.fromkeys(inboxes) if i]
    if not targets and not (to_followers and await follow_store.has_remote_followers(tx, actor.id)):
        return None
    payload = {
        "actor_id": actor.id,
        "activity": activity,
        "inboxes": targets,
        "to_followers": to_followers,
    }
    job_id = await job_store.enqueue(tx, FANOUT_KIND, payload)
    tx.on_commit(wake)
    logger.info(
        "fanout queued id=%s type=%s actor=%s inboxes=%s followers=%s",
        activity.get("id"),
        activity.get("type"),
        actor.id,
        len(targets),
        to_followers,
    )
    return job_id


async def _blocked_domains(conn: Conn) -> set[str]:
    """Domains we never deliver to. TODO(#7): read the domain-block table once moderation has one."""
    del conn
    return set()


def _is_blocked(host: str, blocked: set[str]) -> bool:
    """A blocked domain also blocks its subdomains (Mastodon does the same); ports are ignored."""
    if not blocked:
        return False
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    parts = name.split(".")
    return any(".".join(parts[i:]) in blocked for i in range(len(parts)))


async def recipients(
    conn: Conn, svc: Services, actor: Account, *, inboxes: Sequence[str], to_followers: bool
) -> dict[str, str]:
    """inbox → host of everyone who should receive an activity of `actor` (after every filter)."""
    targets: dict[str, str] = {}
    if to_followers:
        for inbox, _domain in await follow_store.list_remote_follower_inboxes(conn, actor.id):
            targets.setdefault(inbox, inbox_host(inbox))
    for inbox in inboxes:
        targets.setdefault(inbox, inbox_host(inbox))
    own = inbox_host(svc.base_url)
    targets = {i: h for i, h in targets.items() if h and h != own}
    blocked = await _blocked_domains(conn)
    unavailable = await host_store.list_unavailable(conn, set(targets.values()))
    kept = {
        i: h for i, h in targets.items() if h not in unavailable and not _is_blocked(h, blocked)
    }
    if len(kept) < len(targets):
        logger.info(
            "fanout dropped actor=%s blocked_or_unavailable=%s", actor.id, len(targets) - len(kept)
        )
    return kept


def fanout_queue(svc: Services) -> Queue:
    """The `fanout` job kind: expand one queued activity into its `deliver` jobs."""

    async def handle(job: Job) -> None:
        data = job.data
        async with svc.db.read() as conn:
            actor = await account_store.get_account(conn, int(data["actor_id"]))
            if actor is None or not actor.local:
                logger.warning("fanout dropped job=%s: actor %s is gone", job.id, data["actor_id"])
                return
            targets = await recipients(
                conn,
                svc,
                actor,
                inboxes=list(data.get("inboxes") or []),
                to_followers=bool(data.get("to_followers")),
            )
        activity: JsonDict = data["activity"]
        activity_id = str(activity.get("id", ""))
        body = json.dumps(activity, separators=(",", ":"), ensure_ascii=False)
        items = [
            (
                {
                    "actor_id": actor.id,
                    "activity_id": activity_id,
                    "inbox": inbox,
                    "host": host,
                    "body": body,
                },
                f"deliver:{job.id}:{activity_id}:{inbox}",
            )
            for inbox, host in sorted(targets.items(), key=lambda item: (item[1], item[0]))
        ]
        async with svc.db.write() as tx:
            added = await job_store.enqueue_many(tx, DELIVER_KIND, items)
            if added:
                tx.on_commit(svc.jobs.wake)
        logger.info("fanout expanded id=%s deliveries=%s", activity_id, added)

    return Queue(kind=FANOUT_KIND, handler=handle, max_attempts=8, concurrency=4)

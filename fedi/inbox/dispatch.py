"""The inbox worker: parse a queued activity, route it by (activity, object) type, run the handler.

Unknown types are logged and dropped. A handler that fails is retried later by the job engine
(with backoff), never taking the worker down; an unreachable peer is retried the same way, while
other remote failures (gone, refused, unusable documents) drop the activity with a log line.
"""

from __future__ import annotations

import json
import logging
from functools import partial

from fedi.activitypub.parse import parse_document
from fedi.activitypub.vocab import Activity
from fedi.context import Services
from fedi.errors import BadDocument, RemoteError, RemoteGone
from fedi.inbox.handlers import (
    ANY,
    Handler,
    Incoming,
    Routes,
    actors,
    follows,
    interactions,
    notes,
    object_kind,
)
from fedi.inbox.receive import INBOX_JOB
from fedi.inbox.verify import resolver_for
from fedi.netguard import Unreachable
from fedi.remote import Resolver
from fedi.storage import accounts as account_store
from fedi.storage.rows import Account, Job
from fedi.workers import Queue

logger = logging.getLogger(__name__)

ROUTES: Routes = {**follows.ROUTES, **notes.ROUTES, **interactions.ROUTES, **actors.ROUTES}


def route(activity: Activity) -> Handler | None:
    """The handler for an activity: by (type, object kind), else (type, any), else None."""
    return ROUTES.get((activity.type, object_kind(activity))) or ROUTES.get((activity.type, ANY))


def _parse(body: str) -> Activity | str:
    """The queued activity, or why it cannot be read."""
    try:
        found = parse_document(json.loads(body))
    except (ValueError, RecursionError):
        return "not JSON"
    except BadDocument as exc:
        return exc.safe_message
    return found if isinstance(found, Activity) else f"a {type(found).__name__}, not an activity"


async def _actor(svc: Services, resolver: Resolver, uri: str) -> Account:
    """The (verified) actor's account, refreshed when stale."""
    try:
        return await resolver.get_actor(uri)
    except RemoteGone:
        # Interop: a deleted actor answers 410 from now on, yet its own Delete, signed with the
        # key we hold, must still apply (SWICG "Handling Deletes of actors").
        async with svc.db.read() as conn:
            stored = await account_store.get_account_by_uri(conn, uri)
        if stored is None:
            raise
        return stored


async def process(svc: Services, job: Job) -> None:
    """Handle one `inbox` job (the worker's handler); side effects are the handler's."""
    data = job.data
    activity = _parse(str(data.get("body", "")))
    if isinstance(activity, str):
        logger.warning("inbox unreadable job=%s reason=%s", job.id, activity)
        return
    if activity.actor != data.get("signer"):
        logger.warning("inbox signer mismatch job=%s id=%s", job.id, activity.id)
        return
    handler = route(activity)
    if handler is None:
        logger.info(
            "inbox unhandled type=%s object=%s id=%s actor=%s",
            activity.type,
            object_kind(activity) or "(iri)",
            activity.id,
            activity.actor,
        )
        return
    resolver = await resolver_for(svc)
    try:
        actor = await _actor(svc, resolver, activity.actor)
        if actor.deleted_at is not None or actor.suspended_at is not None:
            logger.info("inbox dropped id=%s: actor %s is gone", activity.id, activity.actor)
            return
        incoming = Incoming(
            svc=svc,
            resolver=resolver,
            activity=activity,
            actor=actor,
            inbox_owner=data.get("inbox"),
        )
        await handler(incoming)
    except Unreachable:
        raise  # the peer may come back: the job engine retries with backoff
    except RemoteError as exc:
        logger.info(
            "inbox dropped type=%s id=%s reason=%s", activity.type, activity.id, exc.safe_message
        )


def inbox_queue(svc: Services) -> Queue:
    """The `inbox` job kind: 8 attempts (about 3 hours of backoff), 16 activities at a time."""
    return Queue(kind=INBOX_JOB, handler=partial(process, svc), max_attempts=8, concurrency=16)

"""The inbox fast path: size, JSON, sanity, moderation gate, signature, dedupe, a durable row.

Everything slow happens later in the inbox worker (`dispatch.py`); here we only decide whether to
take the activity, and answer quickly. The signature is verified synchronously all the same:
double-knocking peers rely on the 401 (reference section 4, "Idempotency and ordering").
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from fedi.activitypub.parse import first_id, iri_host
from fedi.context import Services
from fedi.inbox.verify import RawRequest, check_signature, resolver_for, signer_matches
from fedi.outbox.delivery import mark_host_alive
from fedi.storage import accounts as account_store
from fedi.storage import jobs as job_store

__all__ = ["MAX_BODY", "INBOX_JOB", "Outcome", "RawRequest", "Received", "receive"]

logger = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
INBOX_JOB = "inbox"
AS_CONTEXTS = frozenset(
    {"https://www.w3.org/ns/activitystreams", "http://www.w3.org/ns/activitystreams"}
)
_PERSONAL_INBOX = re.compile(r"^/users/(?P<name>[^/?#]+)/inbox/?$")


class Outcome(StrEnum):
    """What became of a POST to an inbox (the adapter maps each to a status code)."""

    ACCEPTED = "accepted"  # queued (or a duplicate of something queued): 202
    IGNORED = "ignored"  # dropped on purpose; the sender is not told: 202
    REFUSED = "refused"  # signature missing, invalid, or not the actor's: 401
    MALFORMED = "malformed"  # not JSON, not an activity: 400
    TOO_LARGE = "too_large"  # over MAX_BODY: 413
    NO_SUCH_INBOX = "no_such_inbox"  # a personal inbox of nobody here: 404


@dataclass(frozen=True, slots=True, kw_only=True)
class Received:
    """The verdict on one inbox POST; `reason` is safe to show the sender."""

    outcome: Outcome
    reason: str = ""
    activity_id: str = ""
    duplicate: bool = False
    job_id: int | None = None


def _refuse(outcome: Outcome, reason: str, activity_id: str = "") -> Received:
    logger.info("inbox refused outcome=%s reason=%s id=%s", outcome, reason, activity_id)
    return Received(outcome=outcome, reason=reason, activity_id=activity_id)


def domain_blocked(svc: Services, host: str) -> bool:
    """Whether activities from this host are dropped unseen."""
    # TODO(#7): domain blocks have no table yet; moderation.policy will answer this.
    del svc, host
    return False


def _has_as_context(context: Any) -> bool:
    """Mastodon only processes documents whose @context includes the AS2 context."""
    contexts = context if isinstance(context, list) else [context]
    return any(isinstance(c, str) and c.rstrip("/") in AS_CONTEXTS for c in contexts)


def sanity_problem(doc: Any) -> str:
    """Why a parsed body is not an activity we could process ('' when it looks like one)."""
    if not isinstance(doc, dict):
        return "the body is not a JSON object"
    if not _has_as_context(doc.get("@context")):
        return "the @context does not include the ActivityStreams context"
    kind = doc.get("type")
    if not isinstance(kind, str) or not kind:
        return "the activity has no type"
    ident = doc.get("id")
    if ident is not None and not isinstance(ident, str):
        return "the activity id is not a string"
    actor = first_id(doc.get("actor"))
    if not actor or not actor.startswith(("https://", "http://")):
        return "the activity has no actor"
    if "object" not in doc:
        return "the activity has no object"
    return ""


def _inbox_owner(path: str) -> str | None:
    found = _PERSONAL_INBOX.match(path.partition("?")[0])
    return found["name"] if found else None


def _dedupe_key(doc: dict[str, Any], body: bytes) -> str:
    ident = doc.get("id")
    if isinstance(ident, str) and ident:
        return "inbox:" + ident
    # Interop: a few servers send transient activities without an id; dedupe on the bytes.
    return "inbox:sha256:" + hashlib.sha256(body).hexdigest()


async def receive(svc: Services, request: RawRequest, *, now: datetime | None = None) -> Received:
    """Take one POST to an inbox: check it, verify its signature, queue it durably → verdict.

    Side effects: may fetch the signer's key (network), inserts one `inbox` job (deduplicated by
    activity id) and wakes the worker after commit.
    """
    if len(request.body) > MAX_BODY:
        return _refuse(Outcome.TOO_LARGE, "the body is larger than 1 MB")
    owner = _inbox_owner(request.path)
    if owner is not None:
        async with svc.db.read() as conn:
            account = await account_store.get_local_account(conn, owner)
        if account is None or account.deleted_at is not None:
            return _refuse(Outcome.NO_SUCH_INBOX, "there is no such inbox")
    try:
        text = request.body.decode("utf-8")
        doc = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _refuse(Outcome.MALFORMED, "the body is not JSON")
    if problem := sanity_problem(doc):
        return _refuse(Outcome.MALFORMED, problem)
    activity_id = doc.get("id") or ""
    actor_uri = first_id(doc["actor"]) or ""
    host = iri_host(actor_uri) or ""
    if actor_uri.startswith(svc.base_url + "/") or host == svc.config.instance.domain.lower():
        return _refuse(Outcome.REFUSED, "activities of local actors are not taken", activity_id)
    if domain_blocked(svc, host):
        return Received(outcome=Outcome.IGNORED, reason="", activity_id=activity_id)
    if doc["type"] == "Delete":
        # Interop: Mastodon answers 202 and skips a Delete from an actor it does not know
        # (`unknown_affected_account?`): we hold nothing of theirs, and the key fetch would 410.
        async with svc.db.read() as conn:
            known = await account_store.get_account_by_uri(conn, actor_uri)
        if known is None:
            logger.info("inbox ignored delete of unknown actor=%s", actor_uri)
            return Received(outcome=Outcome.IGNORED, activity_id=activity_id)
    check = await check_signature(await resolver_for(svc), request, now=now)
    if not check.ok:
        return _refuse(Outcome.REFUSED, check.reason, activity_id)
    if not signer_matches(check, actor_uri):
        signer = check.signer.uri if check.signer else "?"
        logger.info("inbox signer mismatch signer=%s actor=%s", signer, actor_uri)
        return _refuse(
            Outcome.REFUSED, "the signing key does not belong to the activity's actor", activity_id
        )
    payload = {"body": text, "signer": actor_uri, "key_id": check.key_id, "inbox": owner}
    async with svc.db.write() as tx:
        job_id = await job_store.enqueue(
            tx, INBOX_JOB, payload, dedupe_key=_dedupe_key(doc, request.body)
        )
        if job_id is not None:
            tx.on_commit(svc.jobs.wake)
    await mark_host_alive(svc, host)
    logger.debug("inbox accepted id=%s type=%s job=%s", activity_id, doc["type"], job_id)
    return Received(
        outcome=Outcome.ACCEPTED,
        activity_id=activity_id,
        duplicate=job_id is None,
        job_id=job_id,
    )

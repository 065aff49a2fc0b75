"""Forwarding a report to the reported account's server: a `Flag` from the instance actor.

When a local user reports a remote account and asks to forward it, the report's transaction
queues one `report_forward` job carrying the finished Flag and the inbox (the server's shared
inbox, else the account's own). The job signs the Flag with the instance actor's key (`/actor`,
so the reporter stays anonymous to the other server) and POSTs it: 2xx is done; 408, 429, 5xx,
timeouts and unreachable hosts are retried with the job engine's backoff (`Retry-After`
honoured); another 4xx is final. The POST goes through the deliveries' client and double knock
(`Deliverer.knock`): a 401 to one signature format is answered once more with the other.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fedi.activitypub.context import with_context
from fedi.activitypub.keys import key_id as main_key_id
from fedi.activitypub.uris import Uris
from fedi.context import Services
from fedi.errors import FetchFailed
from fedi.netguard import GuardPolicy, Refused, check_url, host_of
from fedi.outbox.delivery import deliverer_of
from fedi.outbox.post_client import Answer
from fedi.storage import jobs as job_store
from fedi.storage.db import Tx
from fedi.storage.rows import Account, Job
from fedi.workers import PermanentFailure, Queue, RetryLater

logger = logging.getLogger(__name__)

JsonDict = dict[str, Any]

FORWARD_KIND = "report_forward"
RETRYABLE = frozenset({401, 408, 429})


def flag_activity(
    uris: Uris, *, report_id: int, account_uri: str, post_uris: Sequence[str], comment: str
) -> JsonDict:
    """The Flag of a report: `object` = the account and the reported posts, `content` = the comment."""
    actor = uris.instance_actor()
    # Interop: Mastodon sends reports as a Flag from its instance actor, with `object` listing the
    # account first and then the reported statuses, and the comment as `content`.
    return with_context(
        {
            "id": f"{actor}#reports/{report_id}",
            "type": "Flag",
            "actor": actor,
            "content": comment,
            "object": [account_uri, *post_uris],
        }
    )


def forward_inbox(target: Account) -> str:
    """Where a report about a remote account goes: its server's shared inbox, else its own."""
    return target.shared_inbox_uri or target.inbox_uri


async def enqueue_forward(
    svc: Services,
    tx: Tx,
    *,
    report_id: int,
    target: Account,
    post_uris: Sequence[str],
    comment: str,
) -> bool:
    """Inside the report's transaction: queue the Flag to the remote target's server.

    False (nothing queued) for a local account or one without an inbox. Wakes the job runner
    after commit.
    """
    inbox = forward_inbox(target)
    if target.local or not inbox:
        return False
    flag = flag_activity(
        Uris(svc.base_url),
        report_id=report_id,
        account_uri=target.uri,
        post_uris=post_uris,
        comment=comment,
    )
    payload = {"inbox": inbox, "activity": flag, "report_id": report_id}
    await job_store.enqueue(tx, FORWARD_KIND, payload, dedupe_key=f"{FORWARD_KIND}:{report_id}")
    tx.on_commit(svc.jobs.wake)
    return True


async def send_flag(svc: Services, inbox: str, body: bytes) -> Answer:
    """POST a Flag signed by the instance actor, through the deliveries' client and double knock.

    Raises Refused for an inbox our address rules forbid, FetchFailed when it is unreachable.
    """
    keys = svc.instance_keys
    if keys is None:
        raise PermanentFailure("the instance actor has no key")
    host = host_of(check_url(inbox, GuardPolicy.from_config(svc.config.federation)))
    return await deliverer_of(svc).knock(
        key_id=main_key_id(Uris(svc.base_url).instance_actor()),
        private_pem=keys.private_pem,
        inbox=inbox,
        host=host,
        body=body,
    )


def report_forward_queue(svc: Services) -> Queue:
    """The `report_forward` job kind: deliver one queued Flag (see the module docstring)."""

    async def handle(job: Job) -> None:
        data = job.data
        inbox = str(data["inbox"])
        body = json.dumps(data["activity"], separators=(",", ":"), ensure_ascii=False).encode()
        try:
            answer = await send_flag(svc, inbox, body)
        except Refused as exc:
            raise PermanentFailure(exc.safe_message) from None
        except (FetchFailed, TimeoutError, OSError) as exc:
            raise RetryLater(f"{inbox} unreachable: {type(exc).__name__}") from None
        status = answer.status
        if 200 <= status < 300:
            logger.info("report forwarded report=%s inbox=%s", data.get("report_id"), inbox)
            return
        if status in RETRYABLE or (status >= 500 and status != 501):
            delay = deliverer_of(svc).retry_after(answer.retry_after)
            raise RetryLater(f"{inbox} answered {status}", delay=delay)
        raise PermanentFailure(f"{inbox} answered {status} to a forwarded report")

    return Queue(kind=FORWARD_KIND, handler=handle, max_attempts=16, concurrency=2)

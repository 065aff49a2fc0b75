"""Delivery: sign one activity and POST it to one inbox, with Mastodon's failure rules.

The `deliver` job kind (one row per activity and inbox, made by fanout.py):
- sign with the author's key, draft-cavage `rsa-sha256` with `Digest`; on 401 knock a second time
  at once with RFC 9421 (and remember per host which one worked);
- 2xx: done. 410: the receiving actor is gone (marked so when we know it), no retry. Other 4xx
  except 401/408/429, and 501: dropped (`PermanentFailure`), not held against the host.
- 401 after both knocks, 408, 429, 5xx, timeouts, connection errors: `RetryLater` (the job engine's
  polynomial backoff over ~2-3 days), `Retry-After` honoured (seconds or HTTP date, capped);
- at most `per_host` requests in flight to one host, so a slow host only slows itself;
- a per-host circuit breaker: after `breaker_threshold` failures in a row, deliveries to that host
  are rescheduled without being attempted until `breaker_cooldown` has passed since the last one;
- a host failing for `unavailable_after` (7 days) is marked unavailable and its deliveries are
  dropped, until it succeeds again or talks to us (`mark_host_alive`, called by the inbox).
Reference: federation-interop.md section 4, "What Mastodon does when delivery fails".
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx

from fedi.activitypub.httpsig import sign_cavage, sign_rfc9421
from fedi.activitypub.keys import key_id as main_key_id
from fedi.activitypub.keys import load_private_key
from fedi.context import Services
from fedi.errors import FetchFailed
from fedi.netguard import GuardPolicy, Refused, build_ssl_context, check_url
from fedi.outbox.fanout import DELIVER_KIND
from fedi.outbox.post_client import Answer, PostClient
from fedi.remote import user_agent
from fedi.storage import accounts as account_store
from fedi.storage import hosts as host_store
from fedi.storage.clock import from_db, now_db, utcnow
from fedi.storage.hosts import Host, HostDeliveries
from fedi.storage.rows import Account, Job
from fedi.workers import PermanentFailure, Queue, RetryLater, retry_delay

logger = logging.getLogger(__name__)

AP_CONTENT_TYPE = "application/activity+json"
STATE_KEY = "fedi.outbox.delivery"
POST_CLIENT_KEY = "fedi.outbox.post_client"
RETRYABLE = frozenset({401, 408, 429})
MAX_ERROR_BODY = 64 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryTuning:
    """Limits of the delivery worker (tests pass small timeouts)."""

    per_host: int = 4
    # Interop: Mastodon's delivery timeouts: connect 5 s, read 10 s, write 10 s.
    timeout: httpx.Timeout = field(
        default_factory=lambda: httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)
    )
    total: float = 20.0
    breaker_threshold: int = 10
    breaker_cooldown: timedelta = timedelta(seconds=60)
    unavailable_after: timedelta = timedelta(days=7)
    max_retry_after: timedelta = timedelta(hours=6)
    host_cache_ttl: float = 10.0
    success_write_interval: float = 600.0


class Deliverer:
    """The `deliver` handler with its per-host limits, host-health cache and signature preference."""

    def __init__(
        self,
        svc: Services,
        *,
        tuning: DeliveryTuning | None = None,
    ) -> None:
        self.svc = svc
        self.tuning = tuning or DeliveryTuning()
        self._policy = GuardPolicy.from_config(svc.config.federation)
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}
        self._hosts: dict[str, tuple[float, Host | None]] = {}
        self._last_success_write: dict[str, float] = {}
        self._signers: dict[int, tuple[float, Account]] = {}
        # Interop: the signature scheme a host accepted after a 401 (RFC 9421 double knock).
        self._prefers_rfc9421: set[str] = set()

    # --- the handler ----------------------------------------------------------------------

    async def handle(self, job: Job) -> None:
        """Deliver one queued activity to one inbox (see the module docstring for outcomes)."""
        data = job.data
        inbox, host, body = str(data["inbox"]), str(data["host"]), str(data["body"]).encode()
        try:
            check_url(inbox, self._policy)
        except Refused as exc:
            raise PermanentFailure(exc.safe_message) from None
        state = await self.host_state(host)
        if state is not None and state.unavailable_since:
            logger.info("delivery dropped job=%s host=%s: host unavailable", job.id, host)
            return
        if (wait := self._breaker_wait(state)) is not None:
            raise RetryLater(f"circuit open for {host}", delay=max(wait, retry_delay(job.attempts)))
        actor = await self.signer(int(data["actor_id"]))
        if actor is None or not actor.private_key_pem:
            raise PermanentFailure(f"actor {data['actor_id']} has no signing key")
        try:
            async with self._slot(host):
                answer = await self._knock(actor, inbox, host, body)
        except Refused as exc:
            raise PermanentFailure(exc.safe_message) from None
        except (FetchFailed, TimeoutError, OSError) as exc:
            await self._failed(host)
            raise RetryLater(f"{host} unreachable: {type(exc).__name__}: {exc}") from None
        await self._settle(job, actor, inbox, host, answer)

    async def _settle(
        self, job: Job, actor: Account, inbox: str, host: str, answer: Answer
    ) -> None:
        status = answer.status
        if 200 <= status < 300:
            await self.host_succeeded(host)
            logger.debug("delivered job=%s inbox=%s status=%s", job.id, inbox, status)
            return
        if status in RETRYABLE or (status >= 500 and status != 501):
            await self._failed(host)
            delay = self.retry_after(answer.retry_after)
            raise RetryLater(f"{host} answered {status}", delay=delay)
        # The host answered: it is alive, whatever it thinks of this delivery.
        await self.host_succeeded(host)
        if status == 410:
            await self._mark_gone(inbox)
        raise PermanentFailure(f"{host} answered {status} for {inbox} (actor {actor.id})")

    # --- signing and sending --------------------------------------------------------------

    async def signer(self, actor_id: int) -> Account | None:
        """The local actor whose key signs a delivery; cached a few seconds, as a fan-out sends
        one activity to many inboxes (one database round trip saved per delivery)."""
        cached = self._signers.get(actor_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        async with self.svc.db.read() as conn:
            actor = await account_store.get_account(conn, actor_id)
        if actor is not None:
            if len(self._signers) > 1_000:
                self._signers.clear()
            self._signers[actor_id] = (time.monotonic() + self.tuning.host_cache_ttl, actor)
        return actor

    async def _knock(self, actor: Account, inbox: str, host: str, body: bytes) -> Answer:
        return await self.knock(
            key_id=actor.public_key_id or main_key_id(actor.uri),
            private_pem=actor.private_key_pem or "",
            inbox=inbox,
            host=host,
            body=body,
        )

    async def knock(
        self, *, key_id: str, private_pem: str, inbox: str, host: str, body: bytes
    ) -> Answer:
        """POST a signed body to an inbox, with the second signature format after a 401 (the
        one a host accepted is remembered). Also used for Flags signed by the instance actor."""
        first = "rfc9421" if host in self._prefers_rfc9421 else "cavage"
        answer = await self._post(key_id, private_pem, inbox, body, first)
        if answer.status != 401:
            return answer
        # Interop: the "double knock" (SWICG): on 401, try the other signature format once.
        second = "cavage" if first == "rfc9421" else "rfc9421"
        retried = await self._post(key_id, private_pem, inbox, body, second)
        if 200 <= retried.status < 300:
            if second == "rfc9421":
                self._prefers_rfc9421.add(host)
            else:
                self._prefers_rfc9421.discard(host)
        return retried

    async def _post(
        self, key_id: str, private_pem: str, inbox: str, body: bytes, scheme: str
    ) -> Answer:
        headers = {"Content-Type": AP_CONTENT_TYPE, "Accept": AP_CONTENT_TYPE}
        sign = sign_rfc9421 if scheme == "rfc9421" else sign_cavage
        headers.update(
            sign(
                method="POST",
                url=inbox,
                headers=headers,
                body=body,
                key_id=key_id,
                private_key=load_private_key(private_pem),
            )
        )
        async with asyncio.timeout(self.tuning.total):
            return await self.post_client().post(
                inbox,
                headers,
                body,
                connect_timeout=self.tuning.timeout.connect or 5.0,
                read_timeout=self.tuning.timeout.read or 10.0,
            )

    def post_client(self) -> PostClient:
        """The deliveries' HTTP/1.1 client (`post_client.py`), shared by this process."""
        found = self.svc.extras.get(POST_CLIENT_KEY)
        if not isinstance(found, PostClient):
            found = self.svc.extras[POST_CLIENT_KEY] = PostClient(
                policy=self._policy,
                ssl_context=build_ssl_context(self.svc.config.federation.ca_bundle),
                user_agent=user_agent(self.svc.config),
                max_body=MAX_ERROR_BODY,
            )
        return found

    @asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        """At most `per_host` deliveries in flight to one host; idle entries are forgotten."""
        semaphore, users = self._slots.get(host) or (asyncio.Semaphore(self.tuning.per_host), 0)
        self._slots[host] = (semaphore, users + 1)
        try:
            async with semaphore:
                yield
        finally:
            semaphore, users = self._slots[host]
            if users <= 1:
                del self._slots[host]
            else:
                self._slots[host] = (semaphore, users - 1)

    def retry_after(self, value: str | None) -> timedelta | None:
        """A `Retry-After` header (seconds or an HTTP date) as a delay, capped; None if absent."""
        if not value:
            return None
        text = value.strip()
        if text.isdigit():
            delay = timedelta(seconds=int(text))
        else:
            try:
                when = parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            delay = when - datetime.now(UTC)
        return min(max(delay, timedelta(seconds=1)), self.tuning.max_retry_after)

    # --- host health ----------------------------------------------------------------------

    async def host_state(self, host: str) -> Host | None:
        """A host's failure record (cached for a few seconds), or None if it has none."""
        cached = self._hosts.get(host)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        async with self.svc.db.read() as conn:
            found = await host_store.get_host(conn, host)
        self._remember(host, found)
        return found

    def _remember(self, host: str, found: Host | None) -> None:
        if len(self._hosts) > 10_000:
            now = time.monotonic()
            self._hosts = {h: v for h, v in self._hosts.items() if v[0] > now}
        self._hosts[host] = (time.monotonic() + self.tuning.host_cache_ttl, found)

    def _breaker_wait(self, state: Host | None) -> timedelta | None:
        """How long deliveries to this host are held back, or None when the circuit is closed."""
        if state is None or state.consecutive_failures < self.tuning.breaker_threshold:
            return None
        last = from_db(state.last_failure_at)
        if last is None:
            return None
        remaining = last + self.tuning.breaker_cooldown - utcnow()
        return remaining if remaining > timedelta(0) else None

    async def _failed(self, host: str) -> None:
        async with self.svc.db.write() as tx:
            found = await host_store.record_failure(
                tx, host, unavailable_after=self.tuning.unavailable_after
            )
        self._remember(host, found)
        if found.unavailable_since == found.last_failure_at:
            logger.warning("host unavailable host=%s since=%s", host, found.first_failure_at)

    async def host_succeeded(self, host: str) -> None:
        """The host answered: end its failure streak (a write only when it had one, or rarely)."""
        state = await self.host_state(host)
        troubled = state is not None and (state.consecutive_failures or state.unavailable_since)
        last_write = self._last_success_write.get(host, 0.0)
        if not troubled and time.monotonic() - last_write < self.tuning.success_write_interval:
            return
        async with self.svc.db.write() as tx:
            await host_store.record_success(tx, host)
        if len(self._last_success_write) > 10_000:
            self._last_success_write.clear()
        self._last_success_write[host] = time.monotonic()
        self._remember(host, Host(domain=host, last_success_at=now_db()))
        if troubled:
            logger.info("host healthy again host=%s", host)

    async def _mark_gone(self, inbox: str) -> None:
        async with self.svc.db.write() as tx:
            account = await account_store.get_remote_account_by_inbox(tx, inbox)
            if account is not None and account.deleted_at is None:
                await account_store.update_account(tx, account.id, deleted_at=now_db())
                logger.info("remote actor gone account=%s inbox=%s", account.id, inbox)


# --- wiring and operator functions ------------------------------------------------------------


def deliverer_of(svc: Services) -> Deliverer:
    """The process-wide Deliverer of these Services (made on first use)."""
    found = svc.extras.get(STATE_KEY)
    if not isinstance(found, Deliverer):
        found = svc.extras[STATE_KEY] = Deliverer(svc)
    return found


def deliver_queue(svc: Services, *, tuning: DeliveryTuning | None = None) -> Queue:
    """The `deliver` job kind: 16 attempts over ~2.5 days (polynomial backoff), 16 in parallel."""
    deliverer = Deliverer(svc, tuning=tuning)
    svc.extras[STATE_KEY] = deliverer
    return Queue(kind=DELIVER_KIND, handler=deliverer.handle, max_attempts=16, concurrency=16)


async def close_delivery(svc: Services) -> None:
    """Close the deliveries' kept connections (at shutdown)."""
    found = svc.extras.pop(POST_CLIENT_KEY, None)
    if isinstance(found, PostClient):
        await found.aclose()


async def mark_host_alive(svc: Services, host: str) -> None:
    """A host talked to us (a signed inbox POST): end its failure streak and revive it.

    Cheap when the host is healthy (a cached read); writes the host row only when it had failures.
    """
    deliverer = deliverer_of(svc)
    state = await deliverer.host_state(host.lower())
    if state is not None and (state.consecutive_failures or state.unavailable_since):
        await deliverer.host_succeeded(host.lower())


async def federation_health(svc: Services, *, limit: int = 200) -> list[HostDeliveries]:
    """Per host: queued, retrying and dead deliveries, the failure streak and the unavailable mark."""
    async with svc.db.read() as conn:
        return await host_store.list_host_deliveries(conn, limit=limit)


async def retry_dead_deliveries(svc: Services, host: str) -> int:
    """Queue a host's dead deliveries again, due now; return how many (wakes the worker)."""
    async with svc.db.write() as tx:
        count = await host_store.requeue_dead_deliveries(tx, host)
        if count:
            tx.on_commit(svc.jobs.wake)
    logger.info("dead deliveries requeued host=%s count=%s", host, count)
    return count

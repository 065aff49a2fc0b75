"""ActivityPub documents of local actors and posts, with content negotiation.

`/users/<name>` and `/users/<name>/statuses/<id>` answer ActivityPub JSON to clients that ask for
it (`application/activity+json`, `application/ld+json`, `application/json`) and redirect browsers
to the pages `/@<name>` and `/@<name>/<id>`. Those pages belong to the page blueprints; a
`before_app_request` hook here answers them with the same JSON when ActivityPub is asked for, and
every one of the four URL shapes carries `Vary: Accept`. Collections are always JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from quart import Blueprint, Response, redirect, request

from fedi.errors import Invalid, SignatureError
from fedi.inbox.receive import MAX_BODY as MAX_INBOX_BODY
from fedi.inbox.receive import Outcome, RawRequest, receive
from fedi.inbox.verify import check_signature, resolver_for
from fedi.outbox import render
from fedi.outbox.boosts import activity_document
from fedi.web.auth import services

bp = Blueprint("federation", __name__)

AP_CONTENT_TYPE = "application/activity+json; charset=utf-8"
AP_MEDIA_TYPES = frozenset({"application/activity+json", "application/ld+json", "application/json"})

_PROFILE_PAGE = re.compile(r"^/@(?P<name>[A-Za-z0-9_]+)/?$")
_STATUS_PAGE = re.compile(r"^/@(?P<name>[A-Za-z0-9_]+)/(?P<id>\d{1,19})/?$")
_NEGOTIATED = (
    _PROFILE_PAGE,
    _STATUS_PAGE,
    re.compile(r"^/users/[^/]+/?$"),
    re.compile(r"^/users/[^/]+/statuses/\d+/?$"),
)


def wants_activitypub(accept: str) -> bool:
    """True if the Accept header names an ActivityPub/JSON media type (with q > 0)."""
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if media.lower() not in AP_MEDIA_TYPES:
            continue
        quality = next((p[2:] for p in params if p.lower().startswith("q=")), "1")
        try:
            if float(quality) > 0:
                return True
        except ValueError:
            return True
    return False


def _asks_for_activitypub() -> bool:
    return wants_activitypub(request.headers.get("Accept", ""))


def activity_json(body: Any, *, status: int = 200) -> Response:
    """An ActivityPub JSON response (`Vary: Accept`: the same URL may answer HTML)."""
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, content_type=AP_CONTENT_TYPE
    )
    response.vary.add("Accept")
    return response


def _document(doc: render.Document) -> Response:
    return activity_json(doc.body, status=410 if doc.gone else 200)


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 19:
        raise Invalid.field(name, f"{name} must be a whole number.")
    return int(raw)


def _paging() -> tuple[bool, int | None, int | None]:
    page = request.args.get("page", "").lower() in ("true", "1")
    return page, _int_arg("max_id"), _int_arg("min_id")


def _bad_query(exc: Invalid) -> Response:
    return activity_json({"error": exc.safe_message}, status=400)


# --- who is fetching (signed GETs, authorized fetch) ---------------------------------------


async def _fetcher_id() -> int | None:
    """The verified remote account behind a signed GET, or None for an unsigned one.

    With `[federation] authorized_fetch` an unsigned or badly signed GET is refused (401); without
    it, a signature is optional and only widens what is served (followers-only posts to
    followers). The instance actor is never behind this, so servers can fetch its key.
    """
    svc = services()
    required = svc.config.federation.authorized_fetch
    if "signature" not in request.headers and "signature-input" not in request.headers:
        if required:
            raise SignatureError("This server requires signed requests (authorized fetch).")
        return None
    raw = RawRequest(
        method=request.method,
        path=_path_with_query(),
        headers=dict(request.headers.items()),
        body=b"",
    )
    check = await check_signature(await resolver_for(svc), raw)
    if check.ok and check.signer is not None:
        return check.signer.id
    if required:
        raise SignatureError(f"The request signature could not be verified: {check.reason}.")
    return None


# --- negotiated documents -------------------------------------------------------------------


@bp.get("/users/<name>")
async def actor(name: str) -> Response:
    """The actor document, or a redirect to the profile page for browsers."""
    if not _asks_for_activitypub():
        return redirect(f"/@{name}", 302)  # type: ignore[return-value]
    await _fetcher_id()
    return _document(await render.actor_document(services(), name))


@bp.get("/users/<name>/statuses/<int:post_id>")
async def status(name: str, post_id: int) -> Response:
    """The Note of a public or unlisted post (410 Tombstone if deleted), or the page for browsers."""
    if not _asks_for_activitypub():
        return redirect(f"/@{name}/{post_id}", 302)  # type: ignore[return-value]
    viewer_id = await _fetcher_id()
    return _document(await render.note_document(services(), name, post_id, viewer_id=viewer_id))


@bp.get("/users/<name>/statuses/<int:post_id>/activity")
async def status_activity(name: str, post_id: int) -> Response:
    """The Create of a served Note (the ids our outbox lists), or the Announce of a boost."""
    viewer_id = await _fetcher_id()
    return _document(await activity_document(services(), name, post_id, viewer_id=viewer_id))


@bp.get("/actor")
async def instance_actor() -> Response:
    """The instance actor; never requires a signature. Browsers go to the home page."""
    if not _asks_for_activitypub():
        return redirect("/", 302)  # type: ignore[return-value]
    return activity_json(render.instance_actor_document(services()))


@bp.get("/actor/outbox")
async def instance_outbox() -> Response:
    """The instance actor's (empty) outbox."""
    return activity_json(render.instance_outbox_document(services()))


# --- collections ----------------------------------------------------------------------------


async def _collection(load: Callable[..., Awaitable[Any]], *, newer: bool = False) -> Response:
    """A collection, or one page of it: `?page=true[&max_id=N]` (and `&min_id=N` when `newer`
    pages exist); 400 with the reason for an id that is not a whole number."""
    await _fetcher_id()
    try:
        page, max_id, min_id = _paging()
    except Invalid as exc:
        return _bad_query(exc)
    since = {"min_id": min_id} if newer else {}
    return activity_json(await load(page=page, max_id=max_id, **since))


@bp.get("/users/<name>/outbox")
async def outbox(name: str) -> Response:
    """The outbox collection; `?page=true[&max_id=N|&min_id=N]` for a page of Create activities."""
    return await _collection(partial(render.outbox_document, services(), name), newer=True)


@bp.get("/users/<name>/followers")
async def followers(name: str) -> Response:
    """The followers collection; `?page=true[&max_id=N]` for a page of actor IRIs."""
    return await _collection(partial(render.followers_document, services(), name))


@bp.get("/users/<name>/following")
async def following(name: str) -> Response:
    """The following collection; `?page=true[&max_id=N]` for a page of actor IRIs."""
    return await _collection(partial(render.following_document, services(), name))


@bp.get("/users/<name>/collections/featured")
async def featured(name: str) -> Response:
    """Pinned public and unlisted posts as full Notes, newest pin first."""
    await _fetcher_id()
    return activity_json(await render.featured_document(services(), name))


@bp.get("/users/<name>/collections/tags")
async def featured_tags(name: str) -> Response:
    """The hashtags featured on the profile, as Hashtag objects."""
    await _fetcher_id()
    return activity_json(await render.featured_tags_document(services(), name))


# --- the pages' URLs, when ActivityPub is asked for -----------------------------------------


@bp.before_app_request
async def answer_pages_with_activitypub() -> Response | None:
    """`/@name` and `/@name/<id>` answer the actor / Note JSON to ActivityPub clients."""
    if request.method not in ("GET", "HEAD") or not _asks_for_activitypub():
        return None
    path = request.path
    profile, status = _PROFILE_PAGE.match(path), _STATUS_PAGE.match(path)
    if not profile and not status:
        return None
    viewer_id = await _fetcher_id()
    if profile:
        return _document(await render.actor_document(services(), profile["name"]))
    assert status is not None
    return _document(
        await render.note_document(
            services(), status["name"], int(status["id"]), viewer_id=viewer_id
        )
    )


@bp.after_app_request
async def vary_on_accept(response: Response) -> Response:
    """Actor and status URLs (and their pages) answer differently by Accept: say so to caches."""
    path = request.path
    if not path.startswith("/api/") and any(pattern.match(path) for pattern in _NEGOTIATED):
        response.vary.add("Accept")
    return response


# --- inboxes --------------------------------------------------------------------------------

INBOX_STATUS = {
    Outcome.ACCEPTED: 202,
    Outcome.IGNORED: 202,
    Outcome.REFUSED: 401,
    Outcome.MALFORMED: 400,
    Outcome.TOO_LARGE: 413,
    Outcome.NO_SUCH_INBOX: 404,
}


async def _body_within(limit: int) -> bytes | None:
    """The request body, or None as soon as it exceeds `limit` bytes."""
    if (request.content_length or 0) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.body:
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _path_with_query() -> str:
    """The request target as the client sent it (signatures cover the raw form)."""
    raw = request.scope.get("raw_path") or request.path.encode()
    path = raw.decode("latin-1") if isinstance(raw, bytes) else str(raw)
    query = request.scope.get("query_string", b"")
    return path + ("?" + query.decode("latin-1") if query else "")


async def _inbox() -> Response:
    body = await _body_within(MAX_INBOX_BODY)
    if body is None:
        verdict_status, reason = 413, "the body is larger than 1 MB"
    else:
        raw = RawRequest(
            method=request.method,
            path=_path_with_query(),
            headers=dict(request.headers.items()),
            body=body,
        )
        verdict = await receive(services(), raw)
        verdict_status, reason = INBOX_STATUS[verdict.outcome], verdict.reason
    if verdict_status == 202:
        return Response("", status=202)
    return Response(
        json.dumps({"error": reason}), status=verdict_status, content_type="application/json"
    )


@bp.post("/inbox")
async def shared_inbox() -> Response:
    """The shared inbox: a signed activity is verified and queued (202), or refused with a reason."""
    return await _inbox()


@bp.post("/users/<name>/inbox")
async def personal_inbox(name: str) -> Response:
    """A user's inbox: as the shared one, and 404 when there is no such local user."""
    del name  # receive() reads the owner from the path
    return await _inbox()

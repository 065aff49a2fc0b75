"""`/media/remote/...`: other servers' files (attachments, avatars, headers) from our cache,
fetched again on demand when evicted or not cached yet."""

from __future__ import annotations

from quart import Blueprint, Response, redirect, send_file

from fedi.media.remote import ServedFile, remote_file
from fedi.media.remote_images import remote_account_image
from fedi.web.auth import services
from fedi.web.media import MEDIA_CSP

bp = Blueprint("remote_media", __name__)

ONE_DAY = 86_400
DEFAULT_IMAGES = {"avatar": "/static/avatar.png", "header": "/static/header.png"}


async def _send(found: ServedFile) -> Response:
    response = await send_file(found.path, mimetype=found.content_type, conditional=True)
    # The id stays while the file may be evicted and fetched again: cache for a day, not for ever.
    response.headers["Cache-Control"] = f"public, max-age={ONE_DAY}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.headers.pop("Expires", None)
    return response


@bp.get("/media/remote/<int:media_id>/<token>")
async def remote_media_file(media_id: int, token: str) -> Response:
    """A remote attachment, avatar or header from our cache (fetched now if it was evicted)."""
    return await _send(await remote_file(services(), media_id, token))


@bp.get("/media/remote/<int:media_id>/<token>/preview")
async def remote_media_preview(media_id: int, token: str) -> Response:
    """The thumbnail (or video poster) of a cached remote file."""
    return await _send(await remote_file(services(), media_id, token, preview=True))


@bp.get("/media/remote/accounts/<int:account_id>/<any(avatar, header):slot>")
async def remote_account_image_file(account_id: int, slot: str) -> Response:
    """A remote account's avatar or header from our cache (fetched now if not cached yet); the
    default image when it has none or its image was refused."""
    found = await remote_account_image(services(), account_id, slot)
    if found is None:
        response: Response = redirect(DEFAULT_IMAGES[slot], 302)  # type: ignore[assignment]
        response.headers["Cache-Control"] = "public, max-age=300"
        return response
    return await _send(found)

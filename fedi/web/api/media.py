"""`/api/v1/media`, `/api/v2/media`: upload, poll, describe and delete media (reference §5.6)."""

from __future__ import annotations

from quart import Blueprint, Response

from fedi.errors import Invalid
from fedi.media.uploads import (
    delete_own_media,
    get_own_media,
    parse_focus,
    update_media,
    upload_media,
)
from fedi.web.api.auth import api_auth, current_account
from fedi.web.api.entities_media import media_entity
from fedi.web.api.params import api_params
from fedi.web.api.responses import api_json
from fedi.web.auth import services

bp = Blueprint("api_media", __name__)

NO_FILE = "Choose a file to upload."


async def _upload(*, synchronous: bool) -> Response:
    params = await api_params()
    upload = params.file("file")
    if upload is None:
        raise Invalid.field("file", NO_FILE)
    media = await upload_media(
        services(),
        current_account(),
        data=upload.read(),
        filename=upload.filename or "",
        description=params.str("description"),
        focus=parse_focus(params.opt_str("focus")),
        synchronous=synchronous,
    )
    status = 202 if media.state == "processing" else 200
    return api_json(media_entity(services(), media), status)


@bp.post("/api/v1/media")
@api_auth("write:media")
async def upload_v1() -> Response:
    """Upload and process at once (200)."""
    return await _upload(synchronous=True)


@bp.post("/api/v2/media")
@api_auth("write:media")
async def upload_v2() -> Response:
    """Upload: images are processed at once (200); video and audio in the background (202)."""
    return await _upload(synchronous=False)


@bp.get("/api/v1/media/<int:media_id>")
@api_auth("write:media")
async def show(media_id: int) -> Response:
    """One's own upload: 206 while processing, 200 when ready, 422 if it failed, else 404."""
    media = await get_own_media(services(), current_account(), media_id)
    if media.state == "failed":
        raise Invalid.field("file", media.error or "This file could not be processed.")
    return api_json(media_entity(services(), media), 206 if media.state == "processing" else 200)


@bp.put("/api/v1/media/<int:media_id>")
@api_auth("write:media")
async def update(media_id: int) -> Response:
    """Change the description and/or focal point ("x,y") of one's own upload."""
    params = await api_params()
    media = await update_media(
        services(),
        current_account(),
        media_id,
        description=params.opt_str("description"),
        focus=parse_focus(params.opt_str("focus")),
    )
    return api_json(media_entity(services(), media), 206 if media.state == "processing" else 200)


@bp.delete("/api/v1/media/<int:media_id>")
@api_auth("write:media")
async def delete(media_id: int) -> Response:
    """Delete one's own upload that is not attached to a post."""
    await delete_own_media(services(), current_account(), media_id)
    return api_json({})

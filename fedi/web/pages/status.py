"""A post's pages: the thread around it, editing, its edit history, deleting it."""

from __future__ import annotations

from quart import Blueprint, Response, request

from fedi.errors import Invalid
from fedi.outbox.commands import PostEdit
from fedi.outbox.posts import delete_post, edit_post
from fedi.polls.edit_form import editable_post
from fedi.posts_view import post_path
from fedi.timelines import post_history, thread
from fedi.web.auth import (
    login_required,
    page,
    redirect_with_notice,
    require_viewer,
    services,
    viewer,
)
from fedi.web.pages.polls import (
    OPTION_FIELDS,
    poll_edit_values,
    poll_form_values,
    poll_from_form,
)

bp = Blueprint("status", __name__)


def _viewer_id() -> int | None:
    current = viewer()
    return None if current is None else current.id


@bp.get("/@<name>/<int:post_id>")
async def show(name: str, post_id: int) -> Response:
    context = await thread(services(), _viewer_id(), name, post_id)
    return await page("pages/status.html", thread=context)


@bp.get("/@<name>/<int:post_id>/history")
async def history(name: str, post_id: int) -> Response:
    found = await post_history(services(), _viewer_id(), name, post_id)
    return await page("pages/history.html", history=found, p=found.view)


@bp.get("/@<name>/<int:post_id>/edit")
@login_required
async def edit_form(name: str, post_id: int) -> Response:
    current = require_viewer()
    post, poll = await editable_post(services(), current.account, name, post_id)
    form = {"status": post.source, "spoiler_text": post.content_warning} | poll_edit_values(poll)
    return await page("pages/edit.html", post=post, form=form, errors={}, current_poll=poll)


@bp.post("/@<name>/<int:post_id>/edit")
@login_required
async def edit(name: str, post_id: int) -> Response:
    current = require_viewer()
    data = await request.form
    form = {"status": data.get("status", ""), "spoiler_text": data.get("spoiler_text", "")}
    form |= poll_form_values(data)
    poll = poll_from_form(data)
    change = PostEdit(
        text=form["status"],
        content_warning=form["spoiler_text"],
        poll=poll,
        remove_poll=poll is None and OPTION_FIELDS[0] in data,  # the form's options emptied
    )
    try:
        post = await edit_post(services(), current.account, post_id, change, author_username=name)
    except Invalid as exc:
        post, current_poll = await editable_post(services(), current.account, name, post_id)
        return await page(
            "pages/edit.html",
            status=422,
            post=post,
            form=form,
            errors=exc.field_errors,
            current_poll=current_poll,
        )
    return redirect_with_notice(post_path(current.account, post.id), "Your post is updated.")


@bp.post("/@<name>/<int:post_id>/delete")
@login_required
async def delete(name: str, post_id: int) -> Response:
    current = require_viewer()
    await delete_post(services(), current.account, post_id, author_username=name)
    return redirect_with_notice(current.profile_path, "Your post is deleted.")

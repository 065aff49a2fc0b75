"""Editing a status's attachments' alt text and focal point with the edit itself
(`media_attributes`, Mastodon 4.1; Ice Cubes and Ivory send it)."""

from __future__ import annotations

from fedi.media.uploads import upload_media
from tests.api.statuses_helpers import api_post
from tests.api.tokens import bearer, make_token
from tests.factories import make_user
from tests.media import files


async def test_an_edit_changes_alt_text_and_focus(client, svc):
    """The new description and focus show on the status and on its media."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    media = await upload_media(svc, alice, data=files.png(), filename="p.png", description="Red")
    status = await api_post(client, token, "A picture", media_ids=[str(media.id)])
    response = await client.put(
        f"/api/v1/statuses/{status['id']}",
        headers=bearer(token),
        json={
            "status": "A picture",
            "media_ids": [str(media.id)],
            "media_attributes": [{"id": str(media.id), "description": "Blue", "focus": "0.5,-0.5"}],
        },
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    [attachment] = body["media_attachments"]
    assert attachment["description"] == "Blue"
    assert attachment["meta"]["focus"] == {"x": 0.5, "y": -0.5}
    response = await client.get(f"/api/v1/statuses/{status['id']}", headers=bearer(token))
    assert (await response.get_json())["media_attachments"][0]["description"] == "Blue"


async def test_form_encoded_media_attributes_work(client, svc):
    """Indexed form fields (`media_attributes[0][id]`) are understood like JSON."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    media = await upload_media(svc, alice, data=files.png(), filename="p.png", description="Red")
    status = await api_post(client, token, "A picture", media_ids=[str(media.id)])
    response = await client.put(
        f"/api/v1/statuses/{status['id']}",
        headers=bearer(token),
        form={
            "status": "A picture",
            "media_ids[]": str(media.id),
            "media_attributes[0][id]": str(media.id),
            "media_attributes[0][description]": "Green",
        },
    )
    body = await response.get_json()
    assert response.status_code == 200, body
    assert body["media_attachments"][0]["description"] == "Green"


async def test_attributes_of_another_file_are_refused(client, svc):
    """A file that is not attached to the post gets a 422 naming `media_attributes`, and the
    post is left as it was."""
    _, alice = await make_user(svc, "alice")
    token = await make_token(svc, alice)
    media = await upload_media(svc, alice, data=files.png(), filename="p.png", description="Red")
    other = await upload_media(svc, alice, data=files.png(), filename="q.png", description="")
    status = await api_post(client, token, "A picture", media_ids=[str(media.id)])
    response = await client.put(
        f"/api/v1/statuses/{status['id']}",
        headers=bearer(token),
        json={
            "status": "Changed text",
            "media_attributes": [{"id": str(other.id), "description": "Not mine here"}],
        },
    )
    body = await response.get_json()
    assert response.status_code == 422, body
    assert body["error"] == (
        "Validation failed: media_attributes: Descriptions can only be changed for files"
        " attached to this post."
    )
    response = await client.get(f"/api/v1/statuses/{status['id']}", headers=bearer(token))
    unchanged = await response.get_json()
    assert "A picture" in unchanged["content"]
    assert unchanged["media_attachments"][0]["description"] == "Red"

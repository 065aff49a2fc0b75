"""Uploads attached to nothing expire: rows and files are deleted; used ones stay."""

from __future__ import annotations

from fedi.media.avatars import ImageChange, ProfileImages, set_profile_images
from fedi.media.uploads import EXPIRE_KIND, expire_unattached, upload_media
from fedi.outbox.commands import PostDraft
from fedi.outbox.posts import create_post
from fedi.storage import media as media_storage
from tests.media import files


async def age(svc, media_id: int, created_at: str) -> None:
    async with svc.db.write() as tx:
        await tx.execute("UPDATE media SET created_at = ? WHERE id = ?", (created_at, media_id))


async def test_unattached_uploads_expire_with_their_files(svc, alice):
    """An old unattached upload is deleted with its files; attached ones, avatars and new uploads stay."""
    old = await upload_media(svc, alice, data=files.jpeg(100, 80), filename="old.jpg")
    fresh = await upload_media(svc, alice, data=files.jpeg(90, 80), filename="new.jpg")
    attached = await upload_media(svc, alice, data=files.jpeg(80, 80), filename="post.jpg")
    await create_post(svc, alice, PostDraft(text="kept", media_ids=(attached.id,)))
    account = await set_profile_images(
        svc, alice, ProfileImages(avatar=ImageChange(data=files.jpeg(70, 70)))
    )
    for media_id in (old.id, attached.id, account.avatar_media_id):
        await age(svc, media_id, "2020-01-01T00:00:00.000Z")
    store = svc.config.data_path / "media"
    assert (store / old.file_key).exists()

    assert await expire_unattached(svc) == 1

    async with svc.db.read() as conn:
        left = await media_storage.get_many(
            conn, [old.id, fresh.id, attached.id, account.avatar_media_id]
        )
    assert set(left) == {fresh.id, attached.id, account.avatar_media_id}
    assert not (store / old.file_key).exists() and not (store / old.preview_key).exists()
    assert (store / fresh.file_key).exists()


async def test_each_upload_schedules_an_expiry_run(svc, alice, run_jobs):
    """Uploading queues one `media_expire` job for its hour, which the worker runs later."""
    await upload_media(svc, alice, data=files.jpeg(), filename="a.jpg")
    await upload_media(svc, alice, data=files.png(), filename="b.png")
    jobs = await svc.jobs.list(kind=EXPIRE_KIND)
    assert len(jobs) == 1 and jobs[0].state == "pending"
    assert jobs[0].next_attempt_at > jobs[0].created_at


async def test_same_file_twice_shares_storage_safely(svc, alice):
    """Two uploads of the same bytes share one file, which survives the expiry of one of them."""
    data = files.jpeg(120, 90)
    first = await upload_media(svc, alice, data=data, filename="a.jpg")
    second = await upload_media(svc, alice, data=data, filename="b.jpg")
    assert first.file_key == second.file_key
    await age(svc, first.id, "2020-01-01T00:00:00.000Z")

    assert await expire_unattached(svc) == 1

    assert (svc.config.data_path / "media" / second.file_key).exists()

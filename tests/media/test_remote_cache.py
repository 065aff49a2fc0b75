"""The remote-media cache: other servers' files fetched, processed, refused, evicted and re-fetched.

The other server is a FakeRemote on 127.0.0.1 (real HTTP); files are real images made by the tests.
"""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fedi import context
from fedi.activitypub.vocab import Attachment
from fedi.config import Config
from fedi.context import Services
from fedi.media.remote import cache_remote_media, prune_remote_media, remote_media_usage
from fedi.media.remote_attach import add_remote_attachments, remote_media_rows
from fedi.media.remote_paths import remote_media_path
from fedi.storage import media as media_storage
from fedi.storage import posts as post_store
from fedi.storage import remote_accounts
from fedi.storage.clock import now_db
from fedi.storage.ids import new_id
from fedi.storage.rows import Account, Media, Post
from tests.conftest import make_config
from tests.factories import browser_login, make_user, next_test_keypair
from tests.fakes.remote import PLACEHOLDER, FakeRemote
from tests.federation.inbox_peer import Peer, deliver, peer  # noqa: F401 - `peer` is a fixture
from tests.media.files import bomb_png, jpeg, png

MB = 1024 * 1024
BUDGET = 200_000
SETTINGS = {
    "federation": {"allow_http": True, "allow_private_addresses": True},
    "media": {"max_image_bytes": MB, "remote_fetch_timeout": 2, "remote_cache_bytes": BUDGET},
}
REMOTE_BLURHASH = "LEHV6nWB2yk8pyo0adR*.7kCMdnj"


@pytest.fixture(autouse=True)
def fast_instance_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The instance actor gets a pre-generated key too (generating one takes a while)."""
    monkeypatch.setattr(context, "generate_keypair", next_test_keypair)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return make_config(tmp_path, **SETTINGS)


@pytest.fixture
async def remote() -> AsyncIterator[FakeRemote]:
    async with FakeRemote() as fake:
        yield fake


@pytest.fixture
async def carol(svc: Services, remote: FakeRemote) -> Account:
    """An account of the other server, as the inbox would have stored it."""
    async with svc.db.write() as tx:
        return await remote_accounts.upsert_remote_account(
            tx,
            remote_accounts.RemoteAccountFields(
                uri=remote.url("/users/carol"),
                username="carol",
                domain=remote.host,
                inbox_uri=remote.url("/users/carol/inbox"),
            ),
        )


async def _cache(svc: Services, owner: Account, url: str, **kw: Any) -> Media:
    values: dict[str, Any] = {
        "kind_hint": "image",
        "description": "A test picture",
        "blurhash": None,
        "post_id": None,
        "position": 0,
    }
    values.update(kw)
    return await cache_remote_media(svc, url=url, owner=owner, **values)


def _files(svc: Services) -> list[Path]:
    root = svc.config.data_path / "media"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def _row(svc: Services, media_id: int) -> Media:
    async with svc.db.read() as conn:
        found = await media_storage.get_media(conn, media_id)
    assert found is not None
    return found


async def test_remote_image_is_cached_processed_and_served_here(
    svc: Services, client: Any, remote: FakeRemote, carol: Account
) -> None:
    """A remote picture is fetched, re-encoded with a thumbnail, keeps the sender's blurhash and
    is served from our own /media/remote/ URL with safe headers."""
    remote.add_response("/files/cat.png", png(900, 600), content_type="image/png")
    media = await _cache(svc, carol, remote.url("/files/cat.png"), blurhash=REMOTE_BLURHASH)
    assert media.state == "ready" and media.file_key and media.preview_key
    assert media.blurhash == REMOTE_BLURHASH
    assert media.meta["original"]["width"] == 900 and media.meta["small"]["width"] == 640
    assert media.last_accessed_at is not None and media.size > 0

    response = await client.get(remote_media_path(media))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    preview = await client.get(remote_media_path(media, preview=True))
    assert preview.status_code == 200 and preview.headers["Content-Type"] == "image/jpeg"
    for wrong in (f"/media/remote/{media.id}/0123456789abcdef", "/media/remote/12345/00"):
        missing = await client.get(wrong)
        assert missing.status_code == 404


async def test_the_same_remote_avatar_url_is_cached_once(
    svc: Services, remote: FakeRemote, carol: Account
) -> None:
    """Avatars and headers are shared by URL: a second request reuses the stored row."""
    remote.add_response("/a.jpg", jpeg(500, 500), content_type="image/jpeg")
    first = await _cache(svc, carol, remote.url("/a.jpg"), slot="avatar")
    second = await _cache(svc, carol, remote.url("/a.jpg"), slot="avatar")
    assert first.id == second.id and first.meta["original"]["width"] == 400
    assert len(remote.requests_to("/a.jpg")) == 1


async def _refused(svc: Services, carol: Account, url: str) -> Media:
    media = await _cache(svc, carol, url)
    assert media.state == "failed" and media.file_key is None and media.size == 0
    assert _files(svc) == []
    return media


async def test_a_huge_remote_file_is_refused_without_filling_memory_or_disk(
    svc: Services, remote: FakeRemote, carol: Account
) -> None:
    """A file over the size cap is abandoned mid-stream (no Content-Length to trust) and refused."""

    async def endless() -> AsyncIterator[bytes]:
        yield png(64, 64)
        for _ in range(64):
            yield b"\0" * 65536

    remote.add_response("/huge.png", endless, content_type="image/png")
    media = await _refused(svc, carol, remote.url("/huge.png"))
    assert "larger than 1024 KB" in media.error
    remote.add_response("/declared.png", b"x" * (MB + 1), content_type="image/png")
    declared = await _refused(svc, carol, remote.url("/declared.png"))
    assert "larger than" in declared.error


async def test_a_slow_remote_file_is_refused_within_the_time_cap(
    svc: Services, remote: FakeRemote, carol: Account
) -> None:
    """A server that never finishes answering is given up after `remote_fetch_timeout`."""
    remote.add_slow("/slow.png")
    media = await _refused(svc, carol, remote.url("/slow.png"))
    assert "did not arrive within 2 seconds" in media.error


async def test_html_claiming_to_be_an_image_is_refused(
    svc: Services, remote: FakeRemote, carol: Account
) -> None:
    """The type comes from the bytes: an HTML page served as image/png is refused."""
    remote.add_response(
        "/fake.png", b"<!doctype html><script>alert(1)</script>", content_type="image/png"
    )
    media = await _refused(svc, carol, remote.url("/fake.png"))
    assert "not supported" in media.error


async def test_a_remote_decompression_bomb_is_refused(
    svc: Services, remote: FakeRemote, carol: Account
) -> None:
    """A tiny PNG declaring a gigantic canvas is refused before its pixels are decoded."""
    remote.add_response("/bomb.png", bomb_png(), content_type="image/png")
    media = await _refused(svc, carol, remote.url("/bomb.png"))
    assert "too many pixels" in media.error


async def _remote_post(svc: Services, author: Account) -> Post:
    post = Post(
        id=new_id(),
        uri=f"{author.uri}/statuses/{new_id()}",
        url=f"{author.uri}/statuses/1",
        account_id=author.id,
        local=0,
        visibility="public",
        content_html="<p>Pictures</p>",
        created_at=now_db(),
    )
    async with svc.db.write() as tx:
        await post_store.insert_post(tx, post)
    return post


async def test_attachment_jobs_fetch_files_and_a_stuck_host_does_not_block_the_others(
    svc: Services, remote: FakeRemote, carol: Account, run_jobs: Callable[[], Awaitable[int]]
) -> None:
    """Each attachment is a row fetched by its own job: a slow file is refused while the others
    are cached, and the worker drains."""
    remote.add_response("/1.jpg", jpeg(300, 200), content_type="image/jpeg")
    remote.add_slow("/2.jpg")
    remote.add_response("/3.jpg", jpeg(200, 300), content_type="image/jpeg")
    post = await _remote_post(svc, carol)
    attachments = [
        Attachment(type="Image", media_type="image/jpeg", url=remote.url(f"/{n}.jpg"), name=f"#{n}")
        for n in (1, 2, 3)
    ]
    async with svc.db.write() as tx:
        rows = await add_remote_attachments(
            svc, tx, post_id=post.id, account_id=carol.id, attachments=attachments
        )
    assert [r.state for r in rows] == ["processing"] * 3
    await run_jobs()
    states = [(await _row(svc, r.id)).state for r in rows]
    assert states == ["ready", "failed", "ready"]
    assert [j for j in await svc.jobs.list(kind="media_fetch") if j.state != "done"] == []


async def test_an_unreachable_host_is_retried_then_refused(
    svc: Services, carol: Account, run_jobs: Callable[[], Awaitable[int]]
) -> None:
    """A host that cannot be reached gets a few more tries (with backoff); then the row fails."""
    post = await _remote_post(svc, carol)
    closed = FakeRemote()
    await closed.start()
    url = closed.url("/gone.jpg")
    await closed.stop()
    async with svc.db.write() as tx:
        [row] = await add_remote_attachments(
            svc,
            tx,
            post_id=post.id,
            account_id=carol.id,
            attachments=[Attachment(type="Image", media_type="image/jpeg", url=url)],
        )
    for _attempt in range(4):
        await run_jobs()
        async with svc.db.write() as tx:
            await tx.execute("UPDATE jobs SET next_attempt_at = ?", (now_db(),))
    [job] = await svc.jobs.list(kind="media_fetch")
    assert job.state == "done" and job.attempts == 4
    refused = await _row(svc, row.id)
    assert refused.state == "failed" and "Could not reach" in refused.error


async def _three_cached(svc: Services, remote: FakeRemote, carol: Account) -> list[Media]:
    cached = []
    for n in range(3):
        remote.add_response(f"/p{n}.jpg", jpeg(600, 400, quality=95 - n), content_type="image/jpeg")
        media = await _cache(svc, carol, remote.url(f"/p{n}.jpg"), post_id=None)
        async with svc.db.write() as tx:
            await media_storage.touch_media(tx, media.id, f"2026-01-0{n + 1}T00:00:00.000000Z")
        cached.append(await _row(svc, media.id))
    return cached


async def test_over_budget_the_least_recently_used_files_go_and_come_back_on_demand(
    svc: Services, client: Any, remote: FakeRemote, carol: Account
) -> None:
    """Pruning evicts the oldest-used files (rows keep their metadata); asking for an evicted file
    fetches it again from its server."""
    cached = await _three_cached(svc, remote, carol)
    sizes = [m.size for m in cached]
    result = await prune_remote_media(svc, budget_bytes=sizes[2] + sizes[1])
    assert result.evicted == 1 and result.freed_bytes == sizes[0]
    evicted = await _row(svc, cached[0].id)
    assert evicted.file_key is None and evicted.state == "ready"
    assert evicted.description == "A test picture" and evicted.meta == cached[0].meta
    assert not any(cached[0].file_key in str(p) for p in _files(svc))
    usage = await remote_media_usage(svc)
    assert (usage.files, usage.evicted, usage.bytes) == (2, 1, sizes[1] + sizes[2])

    response = await client.get(remote_media_path(cached[0]))
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/jpeg"
    again = await _row(svc, cached[0].id)
    assert again.file_key == cached[0].file_key and len(remote.requests_to("/p0.jpg")) == 2


def _noise_png(side: int) -> bytes:
    """A PNG of random pixels (it does not compress, so its size is predictable)."""
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


async def test_a_new_file_over_the_budget_evicts_older_ones(
    svc: Services, remote: FakeRemote, carol: Account
) -> None:
    """Caching a file that takes the cache over its budget evicts the least recently used files
    down to 90 % of the budget, never the file just fetched."""
    cached = await _three_cached(svc, remote, carol)
    remote.add_response("/big.png", _noise_png(205), content_type="image/png")
    newest = await _cache(svc, carol, remote.url("/big.png"))
    assert sum(m.size for m in cached) + newest.size > BUDGET
    usage = await remote_media_usage(svc)
    assert usage.bytes <= BUDGET * 0.9
    assert (await _row(svc, newest.id)).file_key is not None
    kept = [(await _row(svc, m.id)).file_key is not None for m in cached]
    assert kept[0] is False and kept == sorted(kept)  # the oldest went first


def _fedi(config_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}
    return subprocess.run(
        [sys.executable, "-m", "fedi", "--config", str(config_path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


async def test_media_usage_and_prune_from_the_command_line(
    svc: Services, config: Config, remote: FakeRemote, carol: Account, tmp_path: Path
) -> None:
    """`fedi media usage` shows the cache; `fedi media prune --budget` evicts down to it."""
    cached = await _three_cached(svc, remote, carol)
    toml = tmp_path / "instance.toml"
    toml.write_text(
        f'[instance]\ndomain = "localhost"\n[storage]\ndata_dir = "{config.data_path}"\n'
        f"[media]\nremote_cache_bytes = {BUDGET}\n"
    )
    usage = await asyncio.to_thread(_fedi, toml, "media", "usage")
    assert usage.returncode == 0, usage.stderr
    assert "cached files  3" in usage.stdout and "budget" in usage.stdout
    pruned = await asyncio.to_thread(_fedi, toml, "media", "prune", "--budget", "0")
    assert pruned.returncode == 0, pruned.stderr
    assert "Evicted 3 remote files" in pruned.stdout
    assert [(await _row(svc, m.id)).file_key for m in cached] == [None, None, None]
    assert _files(svc) == []
    bad = await asyncio.to_thread(_fedi, toml, "media", "prune", "--budget", "lots")
    assert bad.returncode == 2 and "is not a byte count" in bad.stderr


async def test_admin_media_page_shows_usage_and_prunes(
    app: Any, svc: Services, csrf: str, remote: FakeRemote, carol: Account
) -> None:
    """Staff see files, bytes and budget, and can prune; a bad size is explained next to the field."""
    await _three_cached(svc, remote, carol)
    _, admin = await make_user(svc, "boss", role="admin")
    staff = app.test_client()
    await browser_login(staff, svc, admin)
    page = await staff.get("/admin/media")
    body = await page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1" in body
    assert 'Cached files</th><td class="num">3' in body and "200.0 kB" in body

    bad = await staff.post("/admin/media/prune", form={"csrf_token": csrf, "budget_mb": "lots"})
    bad_body = await bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Enter a whole number of megabytes" in bad_body
    assert 'value="lots"' in bad_body
    done = await staff.post("/admin/media/prune", form={"csrf_token": csrf, "budget_mb": "0"})
    assert done.status_code == 303
    after = await (await staff.get("/admin/media")).get_data(as_text=True)
    assert "Evicted 3 remote files" in after
    assert (await remote_media_usage(svc)).files == 0

    _, someone = await make_user(svc, "someone")
    user = app.test_client()
    await browser_login(user, svc, someone)
    assert (await user.get("/admin/media")).status_code == 403


async def test_a_hostile_server_cannot_fill_disk_memory_or_workers_through_the_inbox(
    svc: Services,
    client: Any,
    run_jobs: Callable[[], Awaitable[int]],
    peer: Peer,  # noqa: F811 - the fixture imported from inbox_peer
) -> None:
    """A post whose attachments are huge, slow, HTML posing as PNG and a decompression bomb (and
    whose author's avatar is a bomb) is stored and shown with links to the originals; only its one
    good picture is cached, and every job finishes."""
    mallory = peer.actor(
        "mallory", icon={"type": "Image", "mediaType": "image/png", "url": f"{PLACEHOLDER}/b.png"}
    )
    fake = peer.fake

    async def endless() -> AsyncIterator[bytes]:
        yield png(64, 64)
        for _ in range(64):
            yield b"\0" * 65536

    fake.add_response("/huge.png", endless, content_type="image/png")
    fake.add_slow("/slow.png")
    fake.add_response("/page.png", b"<html><body>hi</body></html>", content_type="image/png")
    fake.add_response("/b.png", bomb_png(), content_type="image/png")
    fake.add_response("/good.jpg", jpeg(320, 240), content_type="image/jpeg")
    names = ("huge.png", "slow.png", "page.png", "b.png", "good.jpg")
    note = mallory.note(
        "<p>Look at these</p>",
        attachment=[
            {"type": "Document", "mediaType": "image/png", "url": f"{peer.base}/{n}", "name": n}
            for n in names
        ],
    )
    response = await deliver(client, mallory, mallory.create(note))
    assert response.status_code == 202
    await run_jobs()

    async with svc.db.read() as conn:
        post = await post_store.get_post_by_uri(conn, note["id"])
        assert post is not None
        rows = (await media_storage.get_many_by_post_ids(conn, [post.id]))[post.id]
        author = await remote_accounts.get_remote_account_by_uri(conn, mallory.uri)
    assert [m.state for m in rows] == ["failed"] * 4 + ["ready"]
    assert "larger than" in rows[0].error and "did not arrive" in rows[1].error
    assert "not supported" in rows[2].error and "too many pixels" in rows[3].error
    good = rows[4]
    assert sorted(
        str(p.relative_to(svc.config.data_path / "media")) for p in _files(svc)
    ) == sorted(k for k in (good.file_key, good.preview_key) if k)
    assert [j.state for j in await svc.jobs.list() if j.state != "done"] == []

    assert author is not None and author.avatar_media_id is None
    avatar = await client.get(f"/media/remote/accounts/{author.id}/avatar")
    assert avatar.status_code == 302 and avatar.headers["Location"] == "/static/avatar.png"

    page = await client.get(f"/@mallory@{fake.host}/{post.id}")
    body = await page.get_data(as_text=True)
    assert page.status_code == 200
    for name in names[:4]:
        assert f'href="{peer.base}/{name}"' in body
    assert f'src="{remote_media_path(good, preview=True)}" alt="good.jpg"' in body


def test_attachment_rows_take_only_what_is_safe_from_the_sender() -> None:
    """Remote attachments become rows in order with their alt text, focus (clamped to -1..1) and
    blurhash (dropped when malformed); non-http URLs are skipped and at most 16 are kept."""
    attachments = [
        Attachment(
            type="Document",
            media_type="video/mp4",
            url="https://r.example/v.mp4",
            name="  A film  ",
            blurhash="not a blurhash!",
            focal_point=(3.0, -7.5),
            width=1280,
            height=720,
        ),
        Attachment(type="Image", media_type="", url="javascript:alert(1)"),
        *[
            Attachment(type="Image", media_type="", url=f"https://r.example/{n}.png")
            for n in range(20)
        ],
    ]
    rows = remote_media_rows(attachments, account_id=1, post_id=2)
    assert len(rows) == 16 and [r.position for r in rows] == list(range(16))
    film = rows[0]
    assert (film.kind, film.state, film.description) == ("video", "processing", "A film")
    assert (film.focus_x, film.focus_y, film.blurhash) == (1.0, -1.0, None)
    assert film.meta["original"] == {
        "width": 1280,
        "height": 720,
        "size": "1280x720",
        "aspect": 1.777778,
    }
    assert rows[1].kind == "image" and rows[1].remote_url == "https://r.example/0.png"
    [kept] = remote_media_rows(
        [
            Attachment(
                type="Image",
                media_type="image/png",
                url="https://r.example/a.png",
                blurhash=REMOTE_BLURHASH,
            )
        ],
        account_id=1,
        post_id=2,
    )
    assert kept.blurhash == REMOTE_BLURHASH

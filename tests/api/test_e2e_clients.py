"""End to end with real client libraries: Mastodon.py and the `toot` CLI drive a running
`fedi serve` on a loopback port through a realistic app session.

Mastodon.py's response typing is lenient (a missing field never fails), so the strict entity
shapes are checked elsewhere; here the point is that a real client logs in through our pages
and its calls work as it expects.
"""

from __future__ import annotations

import html
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mastodon import Mastodon, MastodonUnauthorizedError, StreamListener

PASSWORD = "a long e2e passphrase"
SCOPES = ["read", "write", "follow", "push"]
OOB = "urn:ietf:wg:oauth:2.0:oob"
WAIT = 15.0  # seconds before a wait for an event counts as a failure


@dataclass
class Live:
    url: str
    config: Path
    process: subprocess.Popen[bytes]
    log: Path

    def fedi(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a `fedi` CLI command against this instance."""
        return subprocess.run(
            [sys.executable, "-m", "fedi", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=_clean_env(),
        )


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("FEDI_")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """`fedi serve` in a subprocess on 127.0.0.1 with alice and bob, stopped after the module."""
    root = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    config = root / "instance.toml"
    config.write_text(
        f'[instance]\ndomain = "127.0.0.1:{port}"\nname = "E2E Social"\n'
        f'[server]\nbind = "127.0.0.1:{port}"\n[storage]\ndata_dir = "{root / "data"}"\n'
        "[api]\npassword_grant = true\n"
    )
    log = root / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "fedi", "--config", str(config), "serve"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_clean_env(),
        )
    url = f"http://127.0.0.1:{port}"
    server = Live(url=url, config=config, process=process, log=log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("fedi serve did not start:\n" + log.read_text())
            time.sleep(0.1)
        for name in ("alice", "bob"):
            done = server.fedi(
                "user", "create", name, "--email", f"{name}@example.com", "--password", PASSWORD
            )
            assert done.returncode == 0, done.stderr
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _hidden_fields(page: str) -> dict[str, str]:
    pairs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
    return {name: html.unescape(value) for name, value in pairs}


def browser_authorize(url: str, base: str, login: str) -> str:
    """Do what a person does in the browser: open the app's link, log in, approve; return the
    code shown on the out-of-band page."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as browser:
        login_page = browser.get(url)
        assert login_page.status_code == 200 and 'name="password"' in login_page.text
        logged_in = browser.post(
            "/oauth/authorize",
            data={**_hidden_fields(login_page.text), "login": login, "password": PASSWORD},
        )
        assert logged_in.status_code == 303, logged_in.text
        consent = browser.get(logged_in.headers["Location"])
        assert consent.status_code == 200 and "Authorize" in consent.text
        approved = browser.post(
            "/oauth/authorize", data={**_hidden_fields(consent.text), "decision": "approve"}
        )
        assert approved.status_code == 200, approved.text
        found = re.search(r'id="oauth-code" name="code" value="([^"]+)"', approved.text)
        assert found, approved.text
        return found[1]


@dataclass
class Session:
    api: Mastodon
    client_id: str
    client_secret: str


@pytest.fixture(scope="module")
def alice(live: Live) -> Session:
    """Alice's app session, logged in through our authorize pages like a real app user."""
    client_id, client_secret = Mastodon.create_app(
        "E2E app", scopes=SCOPES, website="https://e2e.example", api_base_url=live.url
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=live.url)
    url = api.auth_request_url(scopes=SCOPES, allow_http=True)
    assert url.startswith(live.url + "/oauth/authorize?")
    code = browser_authorize(url, live.url, "alice")
    api.log_in(code=code, scopes=SCOPES, allow_http=True)
    return Session(api=api, client_id=client_id, client_secret=client_secret)


def password_session(live: Live, login: str) -> Mastodon:
    """A script's session by the password grant (switched on for development and tests)."""
    client_id, client_secret = Mastodon.create_app(
        "E2E script", scopes=SCOPES, api_base_url=live.url
    )
    api = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=live.url)
    api.log_in(username=login, password=PASSWORD, scopes=SCOPES, allow_http=True)
    return api


@pytest.fixture(scope="module")
def bob(live: Live) -> Mastodon:
    """Bob, logged in by the password grant with his e-mail address."""
    return password_session(live, "bob@example.com")


def test_login_through_our_pages_gives_a_working_token(alice, live):
    """create_app → authorize pages → log_in(code): verify_credentials names alice."""
    me = alice.api.account_verify_credentials()
    assert me.username == "alice" and me.acct == "alice"
    assert me.source.privacy == "public"
    app = alice.api.app_verify_credentials()
    assert app.name == "E2E app"
    assert alice.api.retrieve_mastodon_version() == "4.2.0"


def test_instance_documents_read_by_mastodon_py(alice, live):
    """Mastodon.py reads v1 and v2 instance documents and the OAuth metadata."""
    v1 = alice.api.instance_v1()
    assert v1.uri == live.url.split("//", 1)[1]
    assert v1.urls.streaming_api == "ws://" + v1.uri
    v2 = alice.api.instance_v2()
    assert v2.domain == v1.uri and v2.configuration.statuses.max_characters == 500
    info = alice.api.oauth_authorization_server_info()
    assert "password" in info.grant_types_supported
    assert alice.api.custom_emojis() == []


def test_post_twice_with_one_idempotency_key_makes_one_status(alice):
    """The same Idempotency-Key twice returns the first status; only one exists."""
    first = alice.api.status_post("Once only, please", idempotency_key="e2e-key-1")
    second = alice.api.status_post("Once only, please", idempotency_key="e2e-key-1")
    assert first.id == second.id
    assert "Once only, please" in first.content
    mine = alice.api.account_statuses(alice.api.me().id, limit=40)
    assert [s.id for s in mine].count(first.id) == 1


def test_home_timeline_pages_through_link_headers(alice):
    """timeline_home + fetch_next walk the Link headers to older pages without gaps."""
    posted = [alice.api.status_post(f"Page test {i}").id for i in range(5)]
    first = alice.api.timeline_home(limit=2)
    assert len(first) == 2 and first[0].id == posted[-1]
    seen = [s.id for s in first]
    page = first
    while True:
        page = alice.api.fetch_next(page)
        if not page:
            break
        seen.extend(s.id for s in page)
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen))
    assert set(posted) <= set(seen)
    newer = alice.api.fetch_previous(first)
    assert not newer


def test_follow_another_user(alice, bob):
    """Following bob shows in the relationship, and bob sees alice among his followers."""
    target = alice.api.account_lookup("bob")
    relationship = alice.api.account_follow(target.id)
    assert relationship.following is True
    followers = bob.account_followers(target.id)
    assert [a.acct for a in followers] == ["alice"]
    bob_post = bob.status_post("Hello from bob")
    home = alice.api.timeline_home(limit=40)
    assert bob_post.id in [s.id for s in home]


def test_block_and_mute_lists(alice, bob):
    """Mastodon.py reads the block and mute lists (empty, then with bob) as apps do at start-up."""
    assert alice.api.blocks() == [] and alice.api.mutes() == []
    target = alice.api.account_lookup("bob")
    following = alice.api.account_relationships(target.id)[0].following
    alice.api.account_mute(target.id, duration=600)
    muted = alice.api.mutes()
    assert [a.acct for a in muted] == ["bob"] and muted[0].mute_expires_at is not None
    alice.api.account_block(target.id)
    assert [a.acct for a in alice.api.blocks()] == ["bob"]
    alice.api.account_unblock(target.id)
    alice.api.account_unmute(target.id)
    assert alice.api.blocks() == [] and alice.api.mutes() == []
    if following:  # the block ended the follow; the module's other tests share these sessions
        alice.api.account_follow(target.id)


def test_follow_notification(alice, bob):
    """Bob is notified of alice's follow (notifications API)."""
    alice.api.account_follow(alice.api.account_lookup("bob").id)
    notes = bob.notifications(types=["follow"])
    assert any(n.type == "follow" and n.account.acct == "alice" for n in notes)


def test_search_finds_an_account(alice, bob):
    """search_v2 finds bob by name."""
    result = alice.api.search_v2("bob", result_type="accounts")
    assert "bob" in [a.acct for a in result.accounts]


class Recorder(StreamListener):  # type: ignore[misc]
    """Collects stream events and signals them to the waiting test thread."""

    def __init__(self) -> None:
        super().__init__()
        self.heartbeat = threading.Event()
        self.refused = threading.Event()
        self.updated = threading.Event()
        self.updates: list[Any] = []

    def handle_heartbeat(self) -> None:
        self.heartbeat.set()

    def on_websocket_error(self, error: Any, for_stream: Any = None) -> None:
        self.refused.set()

    def on_update(self, status: Any) -> None:
        self.updates.append(status)
        self.updated.set()


def test_stream_user_over_server_sent_events(alice):
    """stream_user (SSE, run_async) delivers an `update` for a new post."""
    assert alice.api.stream_healthy()
    recorder = Recorder()
    handle = alice.api.stream_user(recorder, run_async=True, timeout=30)
    try:
        # The server subscribes before its first `:)` comment: after it, nothing is missed.
        assert recorder.heartbeat.wait(WAIT), "no heartbeat from the SSE stream"
        status = alice.api.status_post("Live over SSE")
        assert recorder.updated.wait(WAIT), "no update event"
        assert status.id in [s.id for s in recorder.updates]
    finally:
        # Mastodon.py's close() waits for its reader thread, which sits in a blocking read
        # until the next heartbeat (15 s); let it finish in the background.
        threading.Thread(target=handle.close, daemon=True).start()


def test_stream_user_over_websocket(alice):
    """The multiplexed WebSocket delivers an `update` on the user stream."""
    assert alice.api.stream_healthy()
    recorder = Recorder()
    handle = alice.api.stream_open_websocket(recorder, timeout=30)
    try:
        alice.api.stream_user(recorder, websocket_handle=handle)
        # An unknown stream is refused with an error frame; the server handles messages in
        # order, so once it arrives the user subscription is in place.
        handle.subscribe("no-such-stream", listener=recorder)
        assert recorder.refused.wait(WAIT), "no answer to the subscribe messages"
        status = alice.api.status_post("Live over WebSocket")
        assert recorder.updated.wait(WAIT), "no update event"
        assert status.id in [s.id for s in recorder.updates]
    finally:
        handle.close()


def test_revoked_token_stops_working(live):
    """revoke_access_token ends the session: the next call is 401."""
    api = password_session(live, "alice")
    assert api.account_verify_credentials().username == "alice"
    api.revoke_access_token(allow_http=True)
    with pytest.raises(MastodonUnauthorizedError):
        api.account_verify_credentials()


def test_toot_cli_smoke(live, tmp_path):
    """toot: login_cli (password grant), post, timeline, whoami."""
    env = {**_clean_env(), "XDG_CONFIG_HOME": str(tmp_path), "NO_COLOR": "1", "TERM": "dumb"}

    def toot(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "toot", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            stdin=subprocess.DEVNULL,
        )
        assert done.returncode == 0, f"toot {args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done

    login = toot(
        "login_cli", "--instance", live.url, "--email", "bob@example.com", "--password", PASSWORD
    )
    assert "Successfully logged in" in login.stdout
    posted = toot("post", "Tooted from the command line")
    assert "Toot posted" in posted.stdout
    timeline = toot("timeline", "--once")
    assert "Tooted from the command line" in timeline.stdout
    whoami = toot("whoami")
    assert "@bob" in whoami.stdout

"""FakePushService: a Web Push service (standing for Mozilla autopush, FCM, a UnifiedPush relay)
on 127.0.0.1, with the subscriber's device behind it.

It holds the subscriber's key pair and auth secret (what a browser makes in
`pushManager.subscribe`), checks every POST the way a push service does — the VAPID token's
ES256 signature against the key it names, its audience and expiry, the headers of the content
coding — and decrypts the body with `http_ece` (Mozilla's implementation, independent of fedi's)
as the subscriber's device would. It records every message, and can answer any status.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig
from quart import Quart, Response, request


def b64u(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text: str) -> bytes:
    """base64url, padded or not."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    """One POST as the push service saw it, and what the device decrypted."""

    path: str
    headers: dict[str, str]
    body: bytes
    encoding: str
    vapid_key: str
    claims: dict[str, Any]
    message: dict[str, Any]


@dataclass
class FakePushService:
    """Run with `async with FakePushService() as push:`; `push.endpoint` is the subscription URL."""

    status: int = 201
    headers_out: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.port = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.app = Quart("fake_push_service")
        self.app.add_url_rule("/wpush/<token>", "push", self._push, methods=["POST"])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.origin}/wpush/device-1"

    @property
    def p256dh(self) -> str:
        """The subscriber's public key as a browser's `PushSubscription.toJSON()` gives it."""
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64u(raw)

    @property
    def auth(self) -> str:
        return b64u(self.auth_secret)

    # --- what a push service checks -----------------------------------------------------------

    def _verify_jwt(self, token: str, key_b64: str) -> dict[str, Any]:
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64u(header_b64))
        if header.get("alg") != "ES256":
            raise ValueError(f"alg {header.get('alg')!r}")
        signature = unb64u(signature_b64)
        if len(signature) != 64:
            raise ValueError("signature is not 64 bytes (r || s)")
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64u(key_b64))
        key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims: dict[str, Any] = json.loads(unb64u(claims_b64))
        if claims.get("aud") != self.origin:
            raise ValueError(f"aud {claims.get('aud')!r} is not {self.origin}")
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
            raise ValueError("exp is not within the next 24 hours")
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:", "http:")):
            raise ValueError("sub is neither mailto: nor a URL")
        return claims

    async def _push(self, token: str) -> Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = await request.get_data()
        encoding = headers.get("content-encoding", "")
        try:
            if not headers.get("ttl", "").isdigit():
                raise ValueError("no TTL header")
            if encoding == "aes128gcm":
                scheme, _, params = headers.get("authorization", "").partition(" ")
                if scheme != "vapid":
                    raise ValueError(f"authorization scheme {scheme!r}")
                fields = dict(p.strip().split("=", 1) for p in params.split(","))
                vapid_key = fields["k"]
                claims = self._verify_jwt(fields["t"], vapid_key)
                plain = http_ece.decrypt(
                    body,
                    private_key=self.private_key,
                    auth_secret=self.auth_secret,
                    version="aes128gcm",
                )
            elif encoding == "aesgcm":
                scheme, _, jwt = headers.get("authorization", "").partition(" ")
                if scheme != "WebPush":
                    raise ValueError(f"authorization scheme {scheme!r}")
                crypto_key = dict(p.strip().split("=", 1) for p in headers["crypto-key"].split(";"))
                vapid_key = crypto_key["p256ecdsa"]
                claims = self._verify_jwt(jwt, vapid_key)
                salt = headers["encryption"].partition("salt=")[2].split(";")[0]
                plain = http_ece.decrypt(
                    body,
                    salt=unb64u(salt),
                    dh=unb64u(crypto_key["dh"]),
                    private_key=self.private_key,
                    auth_secret=self.auth_secret,
                    version="aesgcm",
                )
            else:
                raise ValueError(f"content encoding {encoding!r}")
        except (ValueError, KeyError, InvalidSignature, http_ece.ECEException) as exc:
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return Response(json.dumps({"error": str(exc)}), status=400)
        self.received.append(
            Received(
                path=request.path,
                headers=headers,
                body=body,
                encoding=encoding,
                vapid_key=vapid_key,
                claims=claims,
                message=json.loads(plain),
            )
        )
        return Response("", status=self.status, headers=self.headers_out)

    # --- running --------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free loopback port (bound before serving, so no race) and serve."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        self.port = sock.getsockname()[1]
        config = HypercornConfig()
        config.bind = [f"fd://{sock.detach()}"]
        config.graceful_timeout = 1.0
        config.accesslog = None
        config.errorlog = None
        self._task = asyncio.create_task(serve(self.app, config, shutdown_trigger=self._stop.wait))

    async def stop(self) -> None:
        """Shut the server down and wait for it."""
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, timeout=10)
            self._task = None

    async def __aenter__(self) -> FakePushService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

"""Web Push encryption and VAPID tokens, against the RFCs' worked examples and an independent
implementation (Mozilla's `http_ece`)."""

from __future__ import annotations

import json
import os
import time

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from fedi.push.encrypt import (
    DecryptionError,
    LegacyMessage,
    aesgcm_decrypt,
    aesgcm_encrypt,
    b64url_decode,
    b64url_encode,
    ece_decrypt,
    ece_encrypt,
    new_private_key,
    private_key_from_scalar,
    public_key_bytes,
    webpush_decrypt,
    webpush_encrypt,
)
from fedi.push.vapid import VapidKeys, audience_of, authorization_headers, new_scalar, vapid_token

# RFC 8291, Appendix A.
RFC8291_PLAINTEXT = b"When I grow up, I want to be a watermelon"
RFC8291_AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
RFC8291_AS_PUBLIC = (
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
)
RFC8291_UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
RFC8291_UA_PUBLIC = (
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
)
RFC8291_AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
RFC8291_SALT = "DGv6ra1nlYgDCS1FRnbzlw"
RFC8291_BODY = (
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6"
    "TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulc"
    "y4a-fN"
)

# RFC 8188, sections 3.1 and 3.2.
RFC8188_WALRUS = b"I am the walrus"
RFC8188_31_IKM = "yqdlZ-tYemfogSmv7Ws5PQ"
RFC8188_31_SALT = "I1BsxtFttlv3u_Oo94xnmw"
RFC8188_31_BODY = "I1BsxtFttlv3u_Oo94xnmwAAEAAA-NAVub2qFgBEuQKRapoZu-IxkIva3MEB1PD-ly8Thjg"
RFC8188_32_IKM = "BO3ZVPxUlnLORbVGMpbT1Q"
RFC8188_32_SALT = "uNCkWiNYzKTnBN9ji3-qWA"
RFC8188_32_BODY = (
    "uNCkWiNYzKTnBN9ji3-qWAAAABkCYTHOG8chz_gnvgOqdGYovxyjuqRyJFjEDyoF1Fvkj6hQPdPHI51OEUKEpgz3SsLWI"
    "qS_uA"
)


def test_rfc8291_example_is_reproduced_byte_for_byte():
    """With the RFC's keys and salt, our aes128gcm Web Push body is exactly Appendix A's."""
    as_private = private_key_from_scalar(b64url_decode(RFC8291_AS_PRIVATE))
    assert b64url_encode(public_key_bytes(as_private.public_key())) == RFC8291_AS_PUBLIC
    body = webpush_encrypt(
        RFC8291_PLAINTEXT,
        ua_public=b64url_decode(RFC8291_UA_PUBLIC),
        auth_secret=b64url_decode(RFC8291_AUTH),
        salt=b64url_decode(RFC8291_SALT),
        as_private=as_private,
    )
    assert b64url_encode(body) == RFC8291_BODY


def test_rfc8291_example_decrypts_on_the_subscribers_side():
    """The subscriber's private key and auth secret read Appendix A's body back."""
    ua_private = private_key_from_scalar(b64url_decode(RFC8291_UA_PRIVATE))
    assert b64url_encode(public_key_bytes(ua_private.public_key())) == RFC8291_UA_PUBLIC
    text = webpush_decrypt(
        b64url_decode(RFC8291_BODY), ua_private=ua_private, auth_secret=b64url_decode(RFC8291_AUTH)
    )
    assert text == RFC8291_PLAINTEXT


def test_rfc8188_single_record_example():
    """RFC 8188 section 3.1: one record, rs 4096, no keyid, both directions."""
    body = ece_encrypt(
        RFC8188_WALRUS, ikm=b64url_decode(RFC8188_31_IKM), salt=b64url_decode(RFC8188_31_SALT)
    )
    assert b64url_encode(body) == RFC8188_31_BODY
    assert ece_decrypt(body, ikm=b64url_decode(RFC8188_31_IKM)) == RFC8188_WALRUS


def test_rfc8188_two_record_example_with_keyid_and_padding():
    """RFC 8188 section 3.2: rs 25, keyid "a1", one byte of padding, two records."""
    body = ece_encrypt(
        RFC8188_WALRUS,
        ikm=b64url_decode(RFC8188_32_IKM),
        salt=b64url_decode(RFC8188_32_SALT),
        keyid=b"a1",
        record_size=25,
        padding=1,
    )
    assert b64url_encode(body) == RFC8188_32_BODY
    assert ece_decrypt(b64url_decode(RFC8188_32_BODY), ikm=b64url_decode(RFC8188_32_IKM)) == (
        RFC8188_WALRUS
    )


def test_altered_or_wrongly_keyed_bodies_do_not_decrypt():
    """A flipped byte or the wrong auth secret is refused, never returned as text."""
    ua_private = new_private_key()
    auth = os.urandom(16)
    body = webpush_encrypt(
        b"secret", ua_public=public_key_bytes(ua_private.public_key()), auth_secret=auth
    )
    flipped = body[:-1] + bytes([body[-1] ^ 1])
    with pytest.raises(DecryptionError):
        webpush_decrypt(flipped, ua_private=ua_private, auth_secret=auth)
    with pytest.raises(DecryptionError):
        webpush_decrypt(body, ua_private=ua_private, auth_secret=os.urandom(16))


def test_aes128gcm_messages_decrypt_with_http_ece():
    """A fresh aes128gcm message (random salt and key) opens with Mozilla's http_ece."""
    ua_private = new_private_key()
    auth = os.urandom(16)
    message = json.dumps({"title": "Alice is now following you", "body": "héllo"}).encode()
    body = webpush_encrypt(
        message, ua_public=public_key_bytes(ua_private.public_key()), auth_secret=auth
    )
    opened = http_ece.decrypt(body, private_key=ua_private, auth_secret=auth, version="aes128gcm")
    assert opened == message


def test_legacy_aesgcm_messages_decrypt_with_http_ece_and_ours():
    """An aesgcm message opens with http_ece given the Encryption salt and Crypto-Key dh."""
    ua_private = new_private_key()
    auth = os.urandom(16)
    ua_public = public_key_bytes(ua_private.public_key())
    legacy = aesgcm_encrypt(b"legacy push", ua_public=ua_public, auth_secret=auth, padding=3)
    opened = http_ece.decrypt(
        legacy.body,
        salt=legacy.salt,
        dh=legacy.dh,
        private_key=ua_private,
        auth_secret=auth,
        version="aesgcm",
    )
    assert opened == b"legacy push"
    assert aesgcm_decrypt(legacy, ua_private=ua_private, auth_secret=auth) == b"legacy push"
    with pytest.raises(DecryptionError):
        aesgcm_decrypt(
            LegacyMessage(body=legacy.body, salt=os.urandom(16), dh=legacy.dh),
            ua_private=ua_private,
            auth_secret=auth,
        )


def test_http_ece_aesgcm_messages_decrypt_with_ours():
    """What http_ece encrypts as aesgcm, our decryptor reads (the two agree both ways)."""
    ua_private = new_private_key()
    sender = new_private_key()
    auth, salt = os.urandom(16), os.urandom(16)
    body = http_ece.encrypt(
        b"from elsewhere",
        salt=salt,
        private_key=sender,
        dh=public_key_bytes(ua_private.public_key()),
        auth_secret=auth,
        version="aesgcm",
    )
    message = LegacyMessage(body=body, salt=salt, dh=public_key_bytes(sender.public_key()))
    assert aesgcm_decrypt(message, ua_private=ua_private, auth_secret=auth) == b"from elsewhere"


def test_keys_are_read_in_either_base64_alphabet_with_or_without_padding():
    """Clients send p256dh/auth as unpadded base64url, padded, or in the standard alphabet."""
    raw = bytes(range(250, 256)) + b"\xfb\xff"
    encoded = b64url_encode(raw)
    assert "=" not in encoded
    assert b64url_decode(encoded) == raw
    assert b64url_decode(encoded + "==") == raw
    assert b64url_decode(encoded.replace("-", "+").replace("_", "/")) == raw


def _verify_es256(token: str, public_key: str) -> dict[str, object]:
    header, claims, signature = token.split(".")
    raw = b64url_decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(public_key))
    key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(b64url_decode(header)) == {"typ": "JWT", "alg": "ES256"}
    return dict(json.loads(b64url_decode(claims)))


def test_vapid_token_is_an_es256_jwt_for_the_push_service_origin():
    """The token verifies with the public key it is sent with; aud is the endpoint's origin."""
    keys = VapidKeys.from_scalar(new_scalar())
    assert len(keys.public_key) == 87 and b64url_decode(keys.public_key)[0] == 4
    endpoint = "https://updates.push.example:8443/wpush/v2/abc?x=1"
    assert audience_of(endpoint) == "https://updates.push.example:8443"
    token = vapid_token(keys, audience=audience_of(endpoint), subject="mailto:admin@example.social")
    claims = _verify_es256(token, keys.public_key)
    assert claims["aud"] == "https://updates.push.example:8443"
    assert claims["sub"] == "mailto:admin@example.social"
    assert time.time() < int(claims["exp"]) <= time.time() + 24 * 3600  # type: ignore[call-overload]


def test_vapid_headers_for_standard_and_legacy_subscriptions():
    """aes128gcm gets `vapid t=, k=`; legacy aesgcm gets `WebPush` and `Crypto-Key` with dh."""
    keys = VapidKeys.from_scalar(new_scalar())
    endpoint = "https://fcm.example/fcm/send/xyz"
    standard = authorization_headers(keys, endpoint=endpoint, subject="https://a.b/", standard=True)
    scheme, _, params = standard["Authorization"].partition(" ")
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    assert scheme == "vapid" and fields["k"] == keys.public_key
    assert _verify_es256(fields["t"], keys.public_key)["aud"] == "https://fcm.example"
    assert "Crypto-Key" not in standard
    dh = public_key_bytes(new_private_key().public_key())
    legacy = authorization_headers(
        keys, endpoint=endpoint, subject="https://a.b/", standard=False, dh=dh
    )
    assert legacy["Authorization"].startswith("WebPush ")
    assert legacy["Crypto-Key"] == f"dh={b64url_encode(dh)};p256ecdsa={keys.public_key}"
    _verify_es256(legacy["Authorization"].removeprefix("WebPush "), keys.public_key)

"""HTTP signatures: cavage and RFC 9421 signing, verification verdicts, and known answers."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding

from fedi.activitypub import httpsig, rfc9421
from fedi.activitypub.keys import load_private_key, load_public_key
from tests.factories import TEST_KEYS

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
NOW_TS = int(NOW.timestamp())
KEY_ID = "https://fedi.example/users/alice#main-key"
INBOX = "https://remote.example/users/bob/inbox"
BODY = b'{"type":"Create","actor":"https://fedi.example/users/alice"}'
POST_HEADERS = {"Content-Type": "application/activity+json"}
GET_HEADERS = {"Accept": "application/activity+json"}

PRIVATE = load_private_key(TEST_KEYS[0].private_pem)
PUBLIC = load_public_key(TEST_KEYS[0].public_pem)
OTHER_PUBLIC = load_public_key(TEST_KEYS[1].public_pem)


def signed_post(body: bytes = BODY, url: str = INBOX, now: datetime = NOW) -> dict[str, str]:
    """POST headers signed with cavage by our key."""
    added = httpsig.sign_cavage(
        method="POST",
        url=url,
        headers=POST_HEADERS,
        body=body,
        key_id=KEY_ID,
        private_key=PRIVATE,
        now=now,
    )
    return {**POST_HEADERS, **added}


def signed_post_9421(body: bytes = BODY, url: str = INBOX, now: datetime = NOW) -> dict[str, str]:
    """POST headers signed with RFC 9421 by our key (Host as the client would send it)."""
    added = httpsig.sign_rfc9421(
        method="POST",
        url=url,
        headers=POST_HEADERS,
        body=body,
        key_id=KEY_ID,
        private_key=PRIVATE,
        now=now,
    )
    return {**POST_HEADERS, "Host": rfc9421.split_url(url).authority, **added}


def check(
    headers: dict[str, str],
    *,
    method: str = "POST",
    path: str = "/users/bob/inbox",
    body: bytes | None = BODY,
    key: object = PUBLIC,
    now: datetime = NOW,
    **kwargs: object,
) -> httpsig.Verdict:
    """Verify as the receiving inbox would."""
    return httpsig.verify(
        method=method,
        path_with_query=path,
        headers=headers,
        body=body,
        public_key=key,  # type: ignore[arg-type]
        now=now,
        **kwargs,  # type: ignore[arg-type]
    )


def cavage_header(
    *,
    headers: str,
    signing_string: str,
    algorithm: str | None = "rsa-sha256",
    extra: str = "",
) -> str:
    """A hand-made cavage Signature header over a given signing string."""
    signature = base64.b64encode(
        PRIVATE.sign(signing_string.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()
    algo = f'algorithm="{algorithm}",' if algorithm is not None else ""
    return f'keyId="{KEY_ID}",{algo}headers="{headers}",{extra}signature="{signature}"'


# --- Digests ----------------------------------------------------------------------------------


def test_digest_headers_known_answers() -> None:
    """Digest and Content-Digest of the cavage/RFC examples' body match the published values."""
    body = b'{"hello": "world"}'
    assert httpsig.digest_header(body) == "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
    assert (
        httpsig.content_digest_header(body)
        == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    )


# --- Cavage signing ---------------------------------------------------------------------------


def test_cavage_post_signs_mastodon_header_set() -> None:
    """A POST carries Date, Host, Digest and a Signature over (request-target) host date digest content-type."""
    added = httpsig.sign_cavage(
        method="POST",
        url=INBOX,
        headers=POST_HEADERS,
        body=BODY,
        key_id=KEY_ID,
        private_key=PRIVATE,
        now=NOW,
    )

    assert set(added) == {"Date", "Host", "Digest", "Signature"}
    assert added["Date"] == "Sat, 21 Nov 2026 12:00:00 GMT"
    assert added["Host"] == "remote.example"
    assert added["Digest"] == httpsig.digest_header(BODY)
    params = httpsig.parse_signature_headers(added)
    assert params is not None
    assert params.scheme == "cavage"
    assert params.algorithm == "rsa-sha256"
    assert params.key_id == KEY_ID
    assert params.headers == ("(request-target)", "host", "date", "digest", "content-type")


def test_cavage_signature_checks_out_with_cryptography_directly() -> None:
    """The signature is RSASSA-PKCS1-v1_5 SHA-256 over the draft's signing string."""
    headers = signed_post()
    params = httpsig.parse_signature_headers(headers)
    assert params is not None
    signing_string = "\n".join(
        [
            "(request-target): post /users/bob/inbox",
            "host: remote.example",
            f"date: {headers['Date']}",
            f"digest: {headers['Digest']}",
            "content-type: application/activity+json",
        ]
    )

    PUBLIC.verify(params.signature, signing_string.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_cavage_get_signs_accept_and_no_digest() -> None:
    """A GET signs (request-target) host date accept and carries no Digest."""
    added = httpsig.sign_cavage(
        method="GET",
        url="https://remote.example/users/bob?page=2",
        headers=GET_HEADERS,
        key_id=KEY_ID,
        private_key=PRIVATE,
        now=NOW,
    )
    params = httpsig.parse_signature_headers(added)

    assert "Digest" not in added
    assert params is not None and params.headers == ("(request-target)", "host", "date", "accept")
    verdict = check({**GET_HEADERS, **added}, method="GET", path="/users/bob?page=2", body=None)
    assert verdict.ok, verdict.reason


def test_cavage_keeps_given_date_and_host_and_port() -> None:
    """Date and Host already present are kept; a non-default port stays in Host."""
    added = httpsig.sign_cavage(
        method="GET",
        url="http://127.0.0.1:8101/users/bob",
        headers={"date": "Sat, 21 Nov 2026 11:59:00 GMT"},
        key_id=KEY_ID,
        private_key=TEST_KEYS[0].private_pem,
        now=NOW,
    )
    assert "Date" not in added
    assert added["Host"] == "127.0.0.1:8101"
    default_port = httpsig.sign_cavage(
        method="GET", url="https://remote.example:443/x", headers={}, key_id=KEY_ID,
        private_key=PRIVATE, now=NOW,
    )  # fmt: skip
    assert default_port["Host"] == "remote.example"


def test_request_signed_by_us_verifies_through_httpx() -> None:
    """A request built by httpx with our headers verifies on the receiving side."""
    url = "https://remote.example/users/bob/inbox"
    added = httpsig.sign_cavage(
        method="POST", url=url, headers=POST_HEADERS, body=BODY, key_id=KEY_ID,
        private_key=PRIVATE, now=NOW,
    )  # fmt: skip
    request = httpx.Request("POST", url, headers={**POST_HEADERS, **added}, content=BODY)

    verdict = httpsig.verify(
        method=request.method,
        path_with_query=request.url.raw_path.decode(),
        headers=dict(request.headers),
        body=request.content,
        public_key=PUBLIC,
        now=NOW,
    )

    assert verdict == httpsig.Verdict(ok=True, reason="ok", key_id=KEY_ID, scheme="cavage")


# --- Cavage verification ----------------------------------------------------------------------


def test_cavage_round_trip_with_pem_keys_uses_the_cache() -> None:
    """PEM keys are accepted, and verifying again does not parse the PEM again."""
    headers = signed_post()
    check(headers, key=TEST_KEYS[0].public_pem)
    hits = load_public_key.cache_info().hits

    verdict = check(headers, key=TEST_KEYS[0].public_pem)

    assert verdict.ok, verdict.reason
    assert load_public_key.cache_info().hits == hits + 1


def test_tampered_body_is_a_digest_mismatch() -> None:
    """A body changed after signing is refused before the RSA check."""
    verdict = check(signed_post(), body=BODY.replace(b"Create", b"Delete"))

    assert not verdict.ok
    assert verdict.reason == "digest mismatch"
    assert verdict.key_id == KEY_ID


def test_post_verified_without_a_body_fails_closed() -> None:
    """A caller that forgets the body gets a digest mismatch, not a skipped check."""
    assert check(signed_post(), body=None).reason == "digest mismatch"


def test_digest_header_changed_with_the_body_is_a_bad_signature() -> None:
    """Recomputing the Digest for a forged body breaks the signature instead."""
    forged = BODY.replace(b"Create", b"Delete")
    headers = {**signed_post(), "Digest": httpsig.digest_header(forged)}

    assert check(headers, body=forged).reason == "bad signature"


def test_malformed_digest_is_refused() -> None:
    """A Digest whose value is not base64 (even non-ASCII) is refused, not raised."""
    for value in ("SHA-256=%%%", "SHA-256=ÄÖÜ"):
        assert check({**signed_post(), "Digest": value}).reason == "malformed digest"


def test_unsupported_digest_algorithm_is_refused() -> None:
    """A Digest with only MD5 is refused with a clear reason."""
    headers = {**signed_post(), "Digest": "MD5=" + base64.b64encode(b"0" * 16).decode()}

    assert check(headers).reason == "unsupported digest algorithm"


@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        (timedelta(hours=-3), "signature expired"),
        (timedelta(minutes=-66), "signature expired"),
        (timedelta(hours=2), "date in the future"),
    ],
)
def test_dates_outside_the_window_are_refused(offset: timedelta, reason: str) -> None:
    """A Date more than an hour (plus five minutes) away is refused."""
    verdict = check(signed_post(now=NOW + offset))

    assert (verdict.ok, verdict.reason) == (False, reason)


@pytest.mark.parametrize(
    "date", ["yesterday", "Sat, 21 Nov 20262 12:00:00 GMT", "Sat, 99 Nov 2026 12:00:00 GMT"]
)
def test_unreadable_dates_are_refused(date: str) -> None:
    """A Date that is not a valid HTTP date is refused with a reason."""
    headers = {**signed_post(), "Date": date}

    assert check(headers).reason == "bad date header"


def test_dates_inside_the_window_pass_and_the_window_is_configurable() -> None:
    """A Date 50 minutes old passes by default but not with max_skew=60 s."""
    headers = signed_post(now=NOW - timedelta(minutes=50))

    assert check(headers).ok
    assert check(headers, max_skew=60).reason == "signature expired"


def test_unsigned_request_has_no_signature() -> None:
    """A request without any signature header gets 'no signature'."""
    verdict = check(POST_HEADERS)

    assert verdict == httpsig.Verdict(ok=False, reason="no signature", key_id="", scheme="")


def test_post_without_signed_digest_is_refused() -> None:
    """POSTs must sign the digest, or the body could be swapped."""
    date = "Sat, 21 Nov 2026 12:00:00 GMT"
    text = f"(request-target): post /users/bob/inbox\nhost: remote.example\ndate: {date}"
    headers = {
        "Host": "remote.example",
        "Date": date,
        "Digest": httpsig.digest_header(BODY),
        "Signature": cavage_header(headers="(request-target) host date", signing_string=text),
    }

    assert check(headers).reason == "headers not signed: digest"


def test_signature_without_host_and_target_is_refused() -> None:
    """Host and (request-target) must be signed, so a signature cannot be replayed elsewhere."""
    date = "Sat, 21 Nov 2026 12:00:00 GMT"
    headers = {
        "Date": date,
        "Signature": cavage_header(headers="date", signing_string=f"date: {date}"),
    }

    verdict = check(headers, method="GET", body=None)

    assert verdict.reason == "headers not signed: (request-target), host"


def test_signed_header_missing_from_the_request_is_named() -> None:
    """A signed header that the request lacks is named in the reason."""
    headers = signed_post()
    del headers["Content-Type"]

    assert check(headers).reason == "missing header: content-type"


def test_wrong_key_is_a_bad_signature() -> None:
    """A signature made with another key is refused."""
    verdict = check(signed_post(), key=OTHER_PUBLIC)

    assert (verdict.ok, verdict.reason, verdict.scheme) == (False, "bad signature", "cavage")


def test_hs2019_from_gotosocial_verifies() -> None:
    """`hs2019` (GoToSocial) is RSA-SHA256 for RSA keys."""
    date = "Sat, 21 Nov 2026 12:00:00 GMT"
    digest = httpsig.digest_header(BODY)
    text = (
        f"(request-target): post /users/bob/inbox\nhost: remote.example\ndate: {date}\n"
        f"digest: {digest}"
    )
    headers = {
        "Host": "remote.example",
        "Date": date,
        "Digest": digest,
        "Signature": cavage_header(
            headers="(request-target) host date digest", signing_string=text, algorithm="hs2019"
        ),
    }

    verdict = check(headers)

    assert verdict.ok, verdict.reason


def test_hs2019_with_created_and_expires_and_no_date() -> None:
    """`(created)`/`(expires)` pseudo-headers stand in for Date, and a stale created expires."""
    created = NOW_TS
    digest = httpsig.digest_header(BODY)

    def headers_for(when: int) -> dict[str, str]:
        text = (
            f"(request-target): post /users/bob/inbox\n(created): {when}\n"
            f"(expires): {when + 300}\nhost: remote.example\ndigest: {digest}"
        )
        signature = cavage_header(
            headers="(request-target) (created) (expires) host digest",
            signing_string=text,
            algorithm=None,
            extra=f"created={when},expires={when + 300},",
        )
        return {"Host": "remote.example", "Digest": digest, "Signature": signature}

    assert check(headers_for(created)).ok
    assert check(headers_for(created - 7200)).reason == "signature expired"


def test_unsupported_algorithm_is_refused_clearly() -> None:
    """Algorithms other than rsa-sha256/hs2019 get a reason naming them."""
    headers = signed_post()
    headers["Signature"] = headers["Signature"].replace("rsa-sha256", "ed25519")

    assert check(headers).reason == "unsupported algorithm: ed25519"


def test_signature_over_path_without_query_verifies_on_retry() -> None:
    """Interop: a GET signed over the path without its query string still verifies."""
    added = httpsig.sign_cavage(
        method="GET",
        url="https://remote.example/users/bob/outbox",
        headers=GET_HEADERS,
        key_id=KEY_ID,
        private_key=PRIVATE,
        now=NOW,
    )

    verdict = check(
        {**GET_HEADERS, **added}, method="GET", path="/users/bob/outbox?page=true", body=None
    )

    assert verdict.ok, verdict.reason


def test_signature_with_query_does_not_verify_for_another_query() -> None:
    """A signature over one query string does not cover another."""
    added = httpsig.sign_cavage(
        method="GET",
        url="https://remote.example/users/bob/outbox?page=1",
        headers=GET_HEADERS,
        key_id=KEY_ID,
        private_key=PRIVATE,
        now=NOW,
    )

    verdict = check(
        {**GET_HEADERS, **added}, method="GET", path="/users/bob/outbox?page=2", body=None
    )

    assert verdict.reason == "bad signature"


def test_authorization_signature_header_is_read() -> None:
    """Interop: `Authorization: Signature ...` is accepted like a Signature header."""
    headers = signed_post()
    headers["Authorization"] = "Signature " + headers.pop("Signature")

    assert check(headers).ok


def test_unusable_keys_give_a_reason() -> None:
    """A PEM that is not an RSA key is refused, not raised."""
    ed_pem = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    assert check(signed_post(), key="not a pem").reason == "unusable public key"
    assert check(signed_post(), key=ed_pem).reason == "unusable public key"


@pytest.mark.parametrize(
    "headers",
    [
        {"Signature": ""},
        {"Signature": "garbage"},
        {"Signature": 'keyId="k",signature="%%%not-base64%%%"'},
        {"Signature": 'keyId="",headers="date",signature="AAAA"'},
        {"Signature": 'keyId="k",keyId="k2",signature="AAAA"'},
        {"Signature": 'keyId="k",headers="(request-target) host date",signature="AAAA"'},
        {"Signature": 'keyId="k",created="soon",signature="AAAA"'},
        {"Signature": 'keyId="k",headers="date",signature="AAAA"', "Date": "yesterday-ish"},
        {"Signature": 'keyId="ключ",headers="date",signature="AAAA"', "Date": "Ünïcode"},
        {"Signature-Input": "sig1=", "Signature": "sig1=:AAAA:"},
        {"Signature-Input": 'sig1=("@method";created=1', "Signature": "sig1=:AAAA:"},
        {"Signature-Input": "sig1=(@method);created=1", "Signature": "sig1=:AAAA:"},
        {"Signature-Input": 'sig1=("@method");created=1;keyid="k"', "Signature": "sig1=AAAA"},
        {"Signature-Input": 'sig1=("@method");keyid="k"'},
        {"Signature-Input": 'sig2=("@method");keyid="k"', "Signature": "sig1=:AAAA:"},
        {"Signature-Input": 'sig1=("@method");created=1.5;keyid="k"', "Signature": "sig1=:AA:"},
        {"Signature-Input": 'sig1=("@query-param";name="a");created=1;keyid="k"', "Signature": "sig1=:AA:"},
        {"Signature-Input": f'sig1=("@status" "@method" "@target-uri");created={NOW_TS};keyid="k"', "Signature": "sig1=:AA:", "Host": "x"},
        {"Signature-Input": f'sig1=("@method" "@target-uri" "x";name="a");created={NOW_TS};keyid="k"', "Signature": "sig1=:AA:", "Host": "x"},
        {"Signature-Input": f'sig1=("@method" "@target-uri");created={NOW_TS};keyid="k";alg="ed25519"', "Signature": "sig1=:AA:"},
    ],
)  # fmt: skip
def test_malformed_input_never_raises(headers: dict[str, str]) -> None:
    """Garbage in any signature header gives ok=False with a reason, never an exception."""
    verdict = check(headers, method="GET", body=None)

    assert not verdict.ok
    assert verdict.reason and len(verdict.reason) < 80


def test_key_id_of_reads_both_schemes() -> None:
    """key_id_of gives the keyId to fetch for cavage and RFC 9421, None when unsigned."""
    assert httpsig.key_id_of(signed_post()) == KEY_ID
    assert httpsig.key_id_of(signed_post_9421()) == KEY_ID
    assert httpsig.key_id_of(POST_HEADERS) is None


# --- RFC 9421 ---------------------------------------------------------------------------------


def test_rfc9421_post_round_trip() -> None:
    """An RFC 9421 POST carries Content-Digest and sig1 over method, URI, authority and digest."""
    headers = signed_post_9421()

    assert headers["Content-Digest"] == httpsig.content_digest_header(BODY)
    assert headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "@authority" "content-digest" "content-type")'
        f';created={NOW_TS};keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'
    )
    params = httpsig.parse_signature_headers(headers)
    assert params is not None and params.scheme == "rfc9421"
    verdict = check(headers)
    assert verdict == httpsig.Verdict(ok=True, reason="ok", key_id=KEY_ID, scheme="rfc9421")


def test_rfc9421_signature_checks_out_with_cryptography_directly() -> None:
    """The signature is PKCS1-v1_5 SHA-256 over the RFC 9421 signature base."""
    headers = signed_post_9421()
    params = httpsig.parse_signature_headers(headers)
    assert params is not None
    base = "\n".join(
        [
            '"@method": POST',
            f'"@target-uri": {INBOX}',
            '"@authority": remote.example',
            f'"content-digest": {headers["Content-Digest"]}',
            '"content-type": application/activity+json',
            f'"@signature-params": {headers["Signature-Input"].removeprefix("sig1=")}',
        ]
    )

    PUBLIC.verify(params.signature, base.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_rfc9421_get_round_trip_signs_accept() -> None:
    """An RFC 9421 GET covers accept and carries no Content-Digest."""
    url = "https://remote.example/users/bob?x=1"
    added = httpsig.sign_rfc9421(
        method="GET", url=url, headers=GET_HEADERS, key_id=KEY_ID, private_key=PRIVATE, now=NOW
    )

    assert "Content-Digest" not in added
    assert '"accept"' in added["Signature-Input"]
    verdict = check(
        {**GET_HEADERS, "Host": "remote.example", **added},
        method="GET",
        path="/users/bob?x=1",
        body=None,
    )
    assert verdict.ok, verdict.reason


def test_rfc9421_tampered_body_and_wrong_key() -> None:
    """RFC 9421 refuses a changed body (digest) and a different key (signature)."""
    assert check(signed_post_9421(), body=BODY + b" ").reason == "digest mismatch"
    assert check(signed_post_9421(), key=OTHER_PUBLIC).reason == "bad signature"


def test_rfc9421_stale_created_is_expired() -> None:
    """The `created` parameter must be within the window."""
    assert check(signed_post_9421(now=NOW - timedelta(hours=3))).reason == "signature expired"


def test_rfc9421_scheme_of_target_uri() -> None:
    """@target-uri is rebuilt with the given scheme; without one, https then http are tried."""
    headers = signed_post_9421(url="http://127.0.0.1:8101/users/bob/inbox")

    assert check(headers).ok
    assert check(headers, scheme="http").ok
    assert check(headers, scheme="https").reason == "bad signature"


def sign_components(
    components: list[str], params: dict[str, rfc9421.BareItem], *, body: bytes = BODY
) -> dict[str, str]:
    """Hand-made RFC 9421 headers covering the given components."""
    headers = {
        "host": "remote.example",
        "date": "Sat, 21 Nov 2026 12:00:00 GMT",
        "content-type": "application/activity+json",
        "content-digest": httpsig.content_digest_header(body),
    }
    items: list[rfc9421.Item] = [(name, {}) for name in components]
    base = rfc9421.signature_base(
        components=items,
        params=params,
        method="POST",
        target=rfc9421.split_url(INBOX),
        headers=headers,
    )
    signature = PRIVATE.sign(base.encode(), padding.PKCS1v15(), hashes.SHA256())
    return {
        **headers,
        "signature-input": "sig1=" + rfc9421.serialize_inner_list(items, params),
        "signature": "sig1=" + rfc9421.serialize_bare_item(signature),
    }


def test_rfc9421_fedify_component_set_verifies() -> None:
    """The component set Fedify sends (with host and date fields) verifies."""
    created = NOW_TS
    headers = sign_components(
        ["@method", "@target-uri", "@authority", "host", "date", "content-digest"],
        {"alg": "rsa-v1_5-sha256", "keyid": KEY_ID, "created": created},
    )

    verdict = check(headers)

    assert verdict.ok, verdict.reason


@pytest.mark.parametrize(
    ("components", "params", "reason"),
    [
        (["@target-uri", "content-digest"], {"created": 0}, "headers not signed: @method"),
        (["@method", "@target-uri"], {"created": 0}, "headers not signed: content-digest"),
        (["@method", "content-digest"], {"created": 0}, "headers not signed: @target-uri, @authority"),
        (["@method", "@path", "content-digest"], {"created": 0}, "headers not signed: @authority"),
        (["@method", "@target-uri", "content-digest"], {}, "signature has no created time"),
        (["@method", "@target-uri", "content-digest"], {"created": 0, "alg": "rsa-pss-sha512"}, "unsupported algorithm: rsa-pss-sha512"),
    ],
)  # fmt: skip
def test_rfc9421_requirements(
    components: list[str], params: dict[str, rfc9421.BareItem], reason: str
) -> None:
    """RFC 9421 signatures must cover method, target, authority and digest, and carry created."""
    full: dict[str, rfc9421.BareItem] = {"keyid": KEY_ID, **params}
    if "created" in full:
        full["created"] = NOW_TS

    assert check(sign_components(components, full)).reason == reason


def test_rfc9421_path_and_authority_cover_the_target() -> None:
    """@path with @authority is an acceptable alternative to @target-uri."""
    headers = sign_components(
        ["@method", "@path", "@authority", "content-digest"],
        {"created": NOW_TS, "keyid": KEY_ID},
    )

    assert check(headers).ok


def test_rfc9421_sha512_content_digest() -> None:
    """A sha-512 Content-Digest is checked too."""
    digest = base64.b64encode(hashlib.sha512(BODY).digest()).decode()
    headers = sign_components(
        ["@method", "@target-uri", "content-digest"],
        {"created": NOW_TS, "keyid": KEY_ID},
    )
    headers["content-digest"] = f"sha-512=:{digest}:"

    assert (
        check(headers).reason == "bad signature"
    )  # the digest matches; the signature covered sha-256
    headers["content-digest"] = "sha-512=:" + base64.b64encode(b"x" * 64).decode() + ":"
    assert check(headers).reason == "digest mismatch"


# --- RFC 9421 appendix B known answers --------------------------------------------------------

# RFC 9421 appendix B.1.2 `test-key-rsa-pss` (public part) and the B.2 test request.
RFC_PSS_KEY = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2G"
    "XHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq"
    "gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5WUtzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ"
    "7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI"
    "2wIDAQAB"
)
RFC_REQUEST_HEADERS = {
    "host": "example.com",
    "date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "content-type": "application/json",
    "content-digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
    "content-length": "18",
}  # fmt: skip
RFC_TARGET = rfc9421.Target(
    scheme="https", authority="example.com", path_with_query="/foo?param=Value&Pet=dog"
)
B21_INPUT = 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"'
B21_SIGNATURE = (
    "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGx"
    "btRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjB"
    "qJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s+"
    "+v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:"
)
B23_INPUT = (
    'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" '
    '"content-length");created=1618884473;keyid="test-key-rsa-pss"'
)
B23_SIGNATURE = (
    "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+"
    "qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh"
    "/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QI"
    "F61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:"
)
B23_BASE = "\n".join(
    [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@query": ?param=Value&Pet=dog',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" '
        '"content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
    ]
)  # fmt: skip


def rfc_base(signature_input: str, signature: str) -> tuple[str, bytes]:
    """Our signature base for an appendix B example, and the published signature."""
    found = rfc9421.parse_signature(signature_input, signature)
    base = rfc9421.signature_base(
        components=found.components,
        params=found.params,
        method="POST",
        target=RFC_TARGET,
        headers=RFC_REQUEST_HEADERS,
    )
    return base, found.signature


def verify_pss(base: str, signature: bytes) -> None:
    """Verify with the RFC's RSA-PSS SHA-512 key, as the appendix does."""
    key = serialization.load_der_public_key(base64.b64decode(RFC_PSS_KEY))
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
    key.verify(signature, base.encode(), pss, hashes.SHA512())  # type: ignore[union-attr,call-arg]


def test_rfc9421_b23_full_coverage_known_answer() -> None:
    """RFC 9421 B.2.3: our signature base equals the RFC's, and its signature verifies over it."""
    base, signature = rfc_base(B23_INPUT, B23_SIGNATURE)

    assert base == B23_BASE
    verify_pss(base, signature)


def test_rfc9421_b21_minimal_known_answer() -> None:
    """RFC 9421 B.2.1: parameters re-serialize exactly (nonce included) and the signature verifies."""
    base, signature = rfc_base(B21_INPUT, B21_SIGNATURE)

    assert base == (
        '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss"'
        ';nonce="b3k2pp5k7z-50gnwp.yemd"'
    )
    verify_pss(base, signature)


def test_rfc9421_content_digest_known_answer() -> None:
    """The B.2 request's sha-512 Content-Digest matches its body."""
    body = b'{"hello": "world"}'

    assert rfc9421.check_content_digest(RFC_REQUEST_HEADERS["content-digest"], body) == ""


# --- RFC 8941 structured fields ---------------------------------------------------------------


def test_structured_dictionary_parse_and_serialize() -> None:
    """Dictionaries with inner lists, parameters, tokens, booleans and byte sequences round-trip."""
    text = 'a=("x" "y";p=1);created=5;keyid="k\\"q", b=tok;f, c=?0, d=:AQID:, e=-1.5'

    parsed = rfc9421.parse_dictionary(text)

    assert parsed["a"] == ([("x", {}), ("y", {"p": 1})], {"created": 5, "keyid": 'k"q'})
    assert parsed["b"] == ("tok", {"f": True})
    assert isinstance(parsed["b"][0], rfc9421.Token)
    assert parsed["c"] == (False, {})
    assert parsed["d"] == (b"\x01\x02\x03", {})
    assert parsed["e"] == (-1.5, {})
    items, params = parsed["a"]
    assert isinstance(items, list)
    assert rfc9421.serialize_inner_list(items, params) == '("x" "y";p=1);created=5;keyid="k\\"q"'


@pytest.mark.parametrize(
    "text", ["a=", "A=1", "a=1,", 'a="unterminated', "a=(1 2", "a=?2", "a=:%%:", "a=1;", "a=1 b=2"]
)
def test_structured_dictionary_refuses_malformed(text: str) -> None:
    """Malformed dictionaries raise FieldError (which verify turns into a reason)."""
    with pytest.raises(rfc9421.FieldError):
        rfc9421.parse_dictionary(text)


@pytest.mark.parametrize(
    "text",
    [
        B21_INPUT,
        B23_INPUT,
        'sig1=("@method" "@target-uri" "@authority" "host" "date" "content-digest");alg="rsa-v1_5-sha256";keyid="https://f.example/u#main-key";created=1700000000',
        'sig1=("@method");created=1;created=2',
        'sig1=("");keyid=""',
    ],
)  # fmt: skip
def test_simple_signature_input_fast_path_agrees_with_the_parser(text: str) -> None:
    """The fast path for the usual Signature-Input shape reads exactly what the full parser reads."""
    assert rfc9421.simple_signature_input(text) == rfc9421.parse_dictionary(text)


@pytest.mark.parametrize(
    "text", ['sig1=("a";sf);created=1', 'sig1=("a");alg=tok', 'a=("x"), b=("y")', 'sig1=("a") ;x=1']
)
def test_unusual_signature_inputs_take_the_full_parser(text: str) -> None:
    """Component parameters, tokens and several signatures are left to the full parser."""
    assert rfc9421.simple_signature_input(text) is None

"""authn-authz, oauth-and-passwords and token-rotation."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


@pytest.mark.block("jwt-issue-verify")
def test_a_token_verifies_only_with_its_key_audience_issuer_and_algorithm(run_block):
    page = run_block()
    page.demo()
    key = ec.generate_private_key(ec.SECP256R1())
    token = page.issue_access_token(SimpleNamespace(id=7), key)
    claims = page.verify(token, key.public_key())
    assert claims["sub"] == "7" and claims["exp"] - claims["iat"] == 15 * 60
    with pytest.raises(jwt.InvalidSignatureError):
        page.verify(token, ec.generate_private_key(ec.SECP256R1()).public_key())
    other_audience = jwt.encode({**claims, "aud": "billing-api"}, key, algorithm="ES256")
    with pytest.raises(jwt.InvalidAudienceError):
        page.verify(other_audience, key.public_key())
    expired = jwt.encode({**claims, "exp": datetime.now(timezone.utc) - timedelta(seconds=1)}, key,
                         algorithm="ES256")
    with pytest.raises(jwt.ExpiredSignatureError):
        page.verify(expired, key.public_key())
    # An HS256 token offered to a verifier whose key is public: refused
    # before any key is used, because the algorithm is pinned.
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    forged = jwt.encode(claims, "a-secret-of-thirty-two-bytes-or-more", algorithm="HS256")
    with pytest.raises(jwt.InvalidAlgorithmError):
        page.verify(forged, pem)


@pytest.mark.block("jwt-mistakes")
def test_the_bad_token_is_readable_long_lived_and_mintable_by_any_verifier(run_block):
    page = run_block()
    token = page.bad_token({"id": 2, "password": "pw"})
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["password"] == "pw"
    assert claims["exp"] - datetime.now(timezone.utc).timestamp() > 360 * 24 * 3600
    minted = jwt.encode({"sub": "admin"}, page.SHARED_SECRET, algorithm="HS256")   # by a verifier
    assert jwt.decode(minted, page.SHARED_SECRET, algorithms=["HS256"])["sub"] == "admin"


@pytest.mark.block("argon2-passwords")
def test_hashes_are_salted_checked_and_upgraded(run_block):
    from argon2 import PasswordHasher

    page = run_block()
    a, b = page.hash_password("pw"), page.hash_password("pw")
    assert a != b and a.startswith("$argon2id$")                 # a salt per password
    assert page.check_password(a, "pw") == (True, None)
    assert page.check_password("not a hash", "pw") == (False, None)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024).hash("pw")
    ok, upgraded = page.check_password(weak, "pw")               # parameters raised since
    assert ok and upgraded and page.check_password(upgraded, "pw") == (True, None)


@pytest.mark.block("refresh-rotation")
def test_rotation_reuse_detection_and_limits(run_block):
    page = run_block()
    page.demo()
    now = [0.0]
    store = page.TokenStore(clock=lambda: now[0])
    pair, digest = store.issue("u1")
    assert pair["refresh_token"] not in str(store.records) and digest in store.records
    for _ in range(3):                                           # a chain of rotations
        now[0] += page.REFRESH_TTL - 60
        pair = store.refresh(pair["refresh_token"])
    now[0] += page.REFRESH_TTL + 1                              # unused for longer than its life
    with pytest.raises(page.Unauthorized):
        store.refresh(pair["refresh_token"])
    with pytest.raises(page.Unauthorized):
        store.refresh("never issued")
    # However often it rotates, no chain outlives FAMILY_MAX_AGE from sign-in.
    now[0] = 0.0
    pair, _ = store.issue("u2")
    with pytest.raises(page.Unauthorized):
        while True:
            now[0] += 24 * 3600
            pair = store.refresh(pair["refresh_token"])
    assert now[0] > page.FAMILY_MAX_AGE

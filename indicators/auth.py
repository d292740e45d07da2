"""Editor passwords: salted PBKDF2-SHA256 hashes (standard library only; no streamlit).

Store the output of ``python -m indicators hash-password --user NAME`` in
``.streamlit/secrets.toml``, one line per editor::

    [editor.accounts]
    ana = "pbkdf2_sha256$600000$<salt>$<hash>"

(The old single ``[editor] password_hash`` still works, flagged as shared; throttling, locks
and idle expiry are in :mod:`indicators.signin`.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """Return ``pbkdf2_sha256$iterations$salt$hash`` (base64) for ``password``."""
    if not password:
        raise ValueError("the password must not be empty")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    b64 = base64.b64encode
    return f"{ALGORITHM}${iterations}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded`` (constant-time comparison)."""
    try:
        algorithm, iterations, salt, digest = encoded.split("$")
        if algorithm != ALGORITHM:
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.pbkdf2_hmac(
            "sha256", password.encode("utf-8"), base64.b64decode(salt), int(iterations)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)

"""Password and API token hashing. Only hashes are stored; a value is shown once, when created.

Passwords use scrypt with a per-user salt (`scrypt$N$r$p$salt$hash`, base64). JCasC may also give a
Jenkins bcrypt hash (`#jbcrypt:$2a$...`), which is kept as given and checked with the system's
crypt(3) (libxcrypt knows bcrypt). API tokens are 128 random bits, so a plain SHA-256 of the value
is enough to store (as Jenkins does); comparing digests takes constant time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
import warnings

from orchestrator.errors import OrchestratorError

_N, _R, _P = 2 ** 14, 8, 1
JBCRYPT = "#jbcrypt:"


class PasswordHashError(OrchestratorError):
    status = 400


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches a stored hash; an empty or unknown hash never matches."""
    if not stored or not password:
        return False
    if stored.startswith(JBCRYPT):
        return _verify_bcrypt(password, stored[len(JBCRYPT):])
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r),
                                p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def stored_form(password: str) -> str:
    """What to store for a JCasC password: a bcrypt hash as given, a plain one scrypt-hashed."""
    if password.startswith(JBCRYPT):
        if not bcrypt_supported():
            raise PasswordHashError("This system's crypt(3) cannot check '#jbcrypt:' password hashes; "
                                    "give the password itself (from a ${VARIABLE})")
        return password
    return hash_password(password)


def bcrypt_supported() -> bool:
    return _verify_bcrypt("x", "$2b$04$abcdefghijklmnopqrstuuOhcHQDV4u6dWPyVsTYaf8CCvJ0BxOFm") is not None


def _verify_bcrypt(password: str, stored: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import crypt   # removed in Python 3.13: bcrypt hashes then cannot be checked
        except ImportError:
            return None
    result = crypt.crypt(password, stored.replace("$2a$", "$2b$", 1) if stored.startswith("$2a$") else stored)
    if result is None:
        return None
    candidate = result if not stored.startswith("$2a$") else "$2a$" + result[4:]
    return hmac.compare_digest(candidate.encode(), stored.encode())


def new_seed() -> str:
    return secrets.token_hex(8)


def new_token() -> tuple[str, str, str]:
    """(uuid, value, digest): Jenkins' token shape, `11` followed by 32 hex digits."""
    value = "11" + secrets.token_hex(16)
    return str(uuid.uuid4()), value, token_digest(value)


def token_digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")

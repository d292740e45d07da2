"""Editor sign-in without streamlit: named accounts, throttling, temporary locks, idle expiry.

* **Accounts**: one salted PBKDF2 hash per editor in secrets (``[editor.accounts]``, made with
  ``python -m indicators hash-password --user NAME``). The old single ``[editor]
  password_hash`` still signs in, as a *shared* account flagged in the history, with a
  migration message (:func:`load_editor_config`).
* **Throttling before hashing**: every failed attempt doubles the wait imposed on its
  account and on its browser session (1 s, 2 s, 4 s … at most :attr:`Policy.max_delay`).
  :meth:`SignInGuard.attempt` refuses an attempt that comes too early *before* the 600,000
  PBKDF2 rounds are computed, so guessing costs the attacker time and the server nothing.
  Only one hash is computed at a time, and a burst of failures across all accounts slows
  every attempt down (a spray over many names).
* **Temporary lock**: after :attr:`Policy.lock_after` failures in a row an account is locked
  for :attr:`Policy.lock_minutes`; the lock and every failure are logged
  (logger ``indicators.signin``).
* **Idle expiry**: :func:`session_expired` (the UI signs a session out after
  :attr:`Policy.idle_minutes` without activity).
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from indicators.auth import hash_password, verify_password

LOG = logging.getLogger("indicators.signin")
ACCOUNT_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
#: Recorded in the history for the old shared password (no individual account).
SHARED_SUFFIX = " (shared password)"


@functools.cache
def _dummy_hash() -> str:
    """A hash of the real cost, checked for unknown accounts (same time as a known one)."""
    return hash_password("not a password")


@dataclass(frozen=True)
class Policy:
    """Throttling, lock and idle settings (``[editor]`` keys of the same names override)."""

    base_delay: float = 1.0        # seconds after the first failure; doubles each time
    max_delay: float = 300.0
    lock_after: int = 10           # failures in a row that lock the account
    lock_minutes: float = 15.0
    idle_minutes: float = 30.0     # signed-in sessions expire after this much inactivity
    global_failures: int = 30      # failures per minute (all accounts) before a global pause

    @classmethod
    def from_secrets(cls, section: Mapping[str, Any]) -> Policy:
        """Read overrides (e.g. ``idle_minutes = 60``) from the ``[editor]`` section."""
        values = {}
        for name, default in cls().__dict__.items():
            if name in section:
                try:
                    values[name] = type(default)(section[name])
                except (TypeError, ValueError):
                    LOG.warning("[editor] %s = %r is not a number; using %s", name,
                                section[name], default)
        return cls(**values)


@dataclass
class EditorConfig:
    """Who can sign in: named accounts, or the old shared password."""

    accounts: dict[str, str] = field(default_factory=dict)  # lower-case name -> hash
    shared_hash: str | None = None
    policy: Policy = field(default_factory=Policy)
    notes: list[str] = field(default_factory=list)

    @property
    def configured(self) -> bool:
        """True when somebody can sign in with a password."""
        return bool(self.accounts or self.shared_hash)

    @property
    def shared(self) -> bool:
        """True in the old single-password mode."""
        return not self.accounts and bool(self.shared_hash)


MIGRATION = ("This server uses one shared editor password, so the import history cannot tell "
             "editors apart. Create one account per editor: python -m indicators hash-password "
             "--user NAME, and put the lines under [editor.accounts] in .streamlit/secrets.toml.")


def load_editor_config(section: Mapping[str, Any]) -> EditorConfig:
    """Parse the ``[editor]`` secrets section (accounts, shared hash, policy)."""
    accounts: dict[str, str] = {}
    notes: list[str] = []
    raw = section.get("accounts") or {}
    for name, encoded in dict(raw).items():
        if not ACCOUNT_RE.match(str(name)) or not str(encoded).startswith("pbkdf2_sha256$"):
            notes.append(f"[editor.accounts] {name}: not a valid account line (make it with "
                         "python -m indicators hash-password --user NAME); ignored")
            continue
        accounts[str(name).lower()] = str(encoded)
    shared = section.get("password_hash") or None
    if shared and accounts:
        notes.append("[editor] password_hash is ignored because named accounts are configured; "
                     "remove it")
        shared = None
    elif shared:
        notes.append(MIGRATION)
    for note in notes:
        LOG.warning("editor sign-in: %s", note)
    return EditorConfig(accounts, shared, Policy.from_secrets(section), notes)


@dataclass
class Outcome:
    """The answer to one sign-in attempt."""

    ok: bool
    account: str | None = None     # what the history records
    message: str = ""              # for the person signing in
    wait_s: float = 0.0            # seconds before the next attempt is considered
    hashed: bool = False           # whether a password hash was computed
    code: str = ""                 # 'wrong' | 'locked' | 'throttled' | 'server_paused' | 'busy'
    params: dict[str, str] = field(default_factory=dict)  # for the translated message


@dataclass
class _Track:
    failures: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class SignInGuard:
    """Throttles and locks sign-in attempts; one per server process (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 wall: Callable[[], float] = time.time) -> None:
        self._clock, self._wall = clock, wall
        self._lock = threading.Lock()
        self._hashing = threading.Semaphore(1)
        self._tracks: dict[str, _Track] = {}
        self._recent: list[float] = []

    def reset(self) -> None:
        """Forget every failure and lock (tests; a server restart does the same)."""
        with self._lock:
            self._tracks.clear()
            self._recent.clear()

    def _delay(self, track: _Track, policy: Policy) -> float:
        if track.failures == 0:
            return 0.0
        return min(policy.base_delay * 2 ** (track.failures - 1), policy.max_delay)

    def check(self, account: str, session: str, policy: Policy) -> Outcome | None:
        """A refusal when this attempt comes too early or the account is locked, else None."""
        now = self._clock()
        with self._lock:
            acc = self._tracks.get("account:" + account.lower())
            if acc is not None and acc.locked_until > now:
                left = acc.locked_until - now
                until = time.strftime("%H:%M", time.gmtime(self._wall() + left))
                return Outcome(False, message=f"This account is locked after too many failed "
                               f"sign-ins, until {until} UTC. Try again then, or ask an "
                               "administrator.", wait_s=left, code="locked",
                               params={"until": until})
            self._recent = [t for t in self._recent if now - t < 60]
            if len(self._recent) >= policy.global_failures:
                left = 60 - (now - self._recent[0])
                return Outcome(False, message=f"Too many failed sign-ins on this server; "
                               f"sign-in pauses for {left:.0f} s.", wait_s=left,
                               code="server_paused", params={"seconds": f"{left:.0f}"})
            waits = []
            for key in ("account:" + account.lower(), "session:" + session):
                track = self._tracks.get(key)
                if track is not None:
                    waits.append(track.last + self._delay(track, policy) - now)
            wait = max(waits, default=0.0)
            if wait > 0:
                return Outcome(False, message=f"Too many failed attempts: wait {wait:.0f} s "
                               "before trying again.", wait_s=wait, code="throttled",
                               params={"seconds": f"{max(wait, 1):.0f}"})
        return None

    def _failed(self, account: str, session: str, policy: Policy, known: bool) -> Outcome:
        now = self._clock()
        with self._lock:
            self._recent.append(now)
            for key in ("account:" + account.lower(), "session:" + session):
                track = self._tracks.setdefault(key, _Track())
                track.failures += 1
                track.last = now
            acc = self._tracks["account:" + account.lower()]
            delay = self._delay(acc, policy)
            message = "Wrong account name or password."
            code, params = "wrong", {"seconds": f"{delay:.0f}"}
            LOG.info("sign-in failed: account %r%s, session %s, %d in a row", account,
                     "" if known else " (unknown)", session[:8], acc.failures)
            if acc.failures >= policy.lock_after:
                acc.locked_until = now + policy.lock_minutes * 60
                acc.failures = 0
                LOG.warning("sign-in: account %r locked for %.0f min after %d failed attempts "
                            "(last from session %s)", account, policy.lock_minutes,
                            policy.lock_after, session[:8])
                message += (f" The account is now locked for {policy.lock_minutes:.0f} "
                            "minutes.")
                delay = policy.lock_minutes * 60
                code, params = "now_locked", {"minutes": f"{policy.lock_minutes:.0f}"}
        return Outcome(False, message=message, wait_s=delay, hashed=True, code=code,
                       params=params)

    def attempt(self, config: EditorConfig, account: str, password: str, session: str) -> Outcome:
        """Check one sign-in: throttle first, then (one at a time) the password hash."""
        account = (account or "").strip()
        key = account if not config.shared else "(shared)"
        refusal = self.check(key, session, config.policy)
        if refusal is not None:
            LOG.info("sign-in refused before hashing: account %r, session %s (%s)", key,
                     session[:8], refusal.message)
            return refusal
        if config.shared:
            encoded = config.shared_hash or _dummy_hash()
            known = True
        else:
            encoded = config.accounts.get(account.lower(), "")
            known = bool(encoded)
        if not self._hashing.acquire(timeout=10):
            return Outcome(False, message="The server is busy; try again in a moment.",
                           wait_s=2, code="busy")
        try:
            ok = verify_password(password or "", encoded or _dummy_hash()) and known
        finally:
            self._hashing.release()
        if not ok:
            return self._failed(key, session, config.policy, known)
        with self._lock:
            self._tracks.pop("account:" + key.lower(), None)
            self._tracks.pop("session:" + session, None)
        name = (account or "editor") + SHARED_SUFFIX if config.shared else account.lower()
        LOG.info("sign-in: %r signed in (session %s)", name, session[:8])
        return Outcome(True, account=name, hashed=True)


def session_expired(last_seen: float | None, now: float, idle_minutes: float) -> bool:
    """True when a signed-in session has been idle longer than ``idle_minutes``."""
    return last_seen is not None and now - last_seen > idle_minutes * 60


#: The guard of this server process.
GUARD = SignInGuard()

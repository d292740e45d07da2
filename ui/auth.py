"""Editor mode. By default the app is a public, read-only viewer. Editor mode needs
authentication configured in Streamlit secrets:

* OIDC through ``st.login`` when an ``[auth]`` section is configured, restricted to the e-mail
  addresses in ``[editor] emails = [...]``;
* otherwise named accounts, ``[editor.accounts] name = "<hash>"`` (salted PBKDF2, made with
  ``python -m indicators hash-password --user NAME``), throttled and locked by
  :mod:`indicators.signin`; the old shared ``[editor] password_hash`` still works, flagged.

Without either, nobody can become an editor; with ``RISK_READ_ONLY=1`` (the production
preset's read-only public mode) nobody can, whatever the secrets say. A signed-in session
expires after ``[editor] idle_minutes`` (default 30) without activity.
"""

from __future__ import annotations

import os
import time
import uuid

import streamlit as st

from indicators.i18n import t
from indicators.signin import GUARD, EditorConfig, load_editor_config, session_expired

_FLAG = "_editor_ok"
_ACCOUNT = "_editor_name"
_SEEN = "_editor_last_seen"
_SESSION = "_signin_session"
READ_ONLY_ENV = "RISK_READ_ONLY"


def _secrets_section(name: str) -> dict:
    try:
        return dict(st.secrets.get(name, {}))
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return {}


def read_only() -> bool:
    """True in read-only public mode (``RISK_READ_ONLY=1``): no editor sign-in at all."""
    return os.environ.get(READ_ONLY_ENV, "").strip().lower() in ("1", "true", "yes")


def _config() -> EditorConfig:
    return load_editor_config(_secrets_section("editor"))


def oidc_configured() -> bool:
    """True when an OIDC provider is configured for ``st.login``."""
    return bool(_secrets_section("auth"))


def editor_configured() -> bool:
    """True when some way to sign in as an editor is configured (and allowed)."""
    return not read_only() and (oidc_configured() or _config().configured)


def _session_id() -> str:
    """A random id for this browser session (the per-session throttle key)."""
    return st.session_state.setdefault(_SESSION, uuid.uuid4().hex)


def _expire_if_idle() -> bool:
    """Sign the session out after the idle time; True when it just expired."""
    last = st.session_state.get(_SEEN)
    now = time.time()
    if session_expired(last, now, _config().policy.idle_minutes):
        st.session_state[_FLAG] = False
        st.session_state.pop(_SEEN, None)
        st.session_state["_editor_expired"] = True
        return True
    st.session_state[_SEEN] = now
    return False


def is_editor() -> bool:
    """True when this browser session is signed in as an editor (and not idle too long)."""
    if read_only():
        return False
    if oidc_configured():
        user = getattr(st, "user", None)
        if user is None or not getattr(user, "is_logged_in", False):
            return False
        allowed = {e.lower() for e in _secrets_section("editor").get("emails", [])}
        if str(getattr(user, "email", "")).lower() not in allowed:
            return False
        if _expire_if_idle():
            st.logout()  # the identity provider's cookie would sign the session in again
            return False
        return True
    if not st.session_state.get(_FLAG):
        return False
    return not _expire_if_idle()


def editor_name() -> str:
    """The authenticated account (recorded in the import history and on undo)."""
    if oidc_configured() and getattr(st, "user", None) is not None:
        return str(getattr(st.user, "email", "editor"))
    return str(st.session_state.get(_ACCOUNT) or "editor")


def _sign_in(account: str, password: str) -> None:
    outcome = GUARD.attempt(_config(), account, password, _session_id())
    if outcome.ok:
        st.session_state[_FLAG] = True
        st.session_state[_ACCOUNT] = outcome.account
        st.session_state[_SEEN] = time.time()
        st.session_state.pop("_editor_expired", None)
        st.rerun()
    shared = _config().shared
    key = {"wrong": "auth.wrong_password" if shared else "auth.wrong_account"}.get(
        outcome.code, f"auth.{outcome.code}")
    text = t(key, **outcome.params)
    st.session_state["_signin_error"] = outcome.message if text == key else text


def login_box() -> None:
    """Sign-in / sign-out controls in the sidebar (nothing when editor mode is not configured)."""
    if not editor_configured():
        return
    with st.sidebar:
        if is_editor():
            st.caption(t("auth.signed_in", name=editor_name()))
            if st.button(t("auth.sign_out"), key="sign_out"):
                if oidc_configured():
                    st.logout()
                st.session_state[_FLAG] = False
                st.session_state.pop(_ACCOUNT, None)
                st.rerun()
            return
        if st.session_state.get("_editor_expired"):
            st.info(t("auth.expired", minutes=f"{_config().policy.idle_minutes:g}"))
        with st.expander(t("auth.editor_sign_in"),
                         expanded=bool(st.session_state.get("_signin_error"))):
            if oidc_configured():
                if st.button(t("auth.sign_in_oidc"), key="sign_in_oidc"):
                    st.login()
                return
            config = _config()
            if config.shared:
                st.caption(t("auth.shared_password_note"))
            with st.form("editor_login", clear_on_submit=True):
                account = st.text_input(t("auth.account"), key="editor_name_input")
                password = st.text_input(t("auth.password"), type="password", key="editor_pw")
                if st.form_submit_button(t("auth.sign_in")):
                    _sign_in(account, password)
            error = st.session_state.pop("_signin_error", None)
            if error:
                st.error(error)

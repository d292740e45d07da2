"""Editor mode. By default the app is a public, read-only viewer. Editor mode needs
authentication configured in Streamlit secrets:

* OIDC through ``st.login`` when an ``[auth]`` section is configured, restricted to the e-mail
  addresses in ``[editor] emails = [...]``;
* otherwise a password checked against ``[editor] password_hash`` (salted PBKDF2, made with
  ``python -m indicators hash-password``).

Without either, nobody can become an editor.
"""

from __future__ import annotations

import streamlit as st

from indicators.auth import verify_password
from indicators.i18n import t

_FLAG = "_editor_ok"


def _secrets_section(name: str) -> dict:
    try:
        return dict(st.secrets.get(name, {}))
    except (FileNotFoundError, KeyError, AttributeError, st.errors.StreamlitSecretNotFoundError):
        return {}


def oidc_configured() -> bool:
    """True when an OIDC provider is configured for ``st.login``."""
    return bool(_secrets_section("auth"))


def editor_configured() -> bool:
    """True when some way to sign in as an editor is configured."""
    return oidc_configured() or bool(_secrets_section("editor").get("password_hash"))


def is_editor() -> bool:
    """True when this browser session is signed in as an editor."""
    if oidc_configured():
        user = getattr(st, "user", None)
        if user is None or not getattr(user, "is_logged_in", False):
            return False
        allowed = {e.lower() for e in _secrets_section("editor").get("emails", [])}
        return str(getattr(user, "email", "")).lower() in allowed
    return bool(st.session_state.get(_FLAG))


def editor_name() -> str:
    """Who is signed in (for the import history)."""
    if oidc_configured() and getattr(st, "user", None) is not None:
        return str(getattr(st.user, "email", "editor"))
    return str(st.session_state.get("_editor_name") or "editor")


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
                st.rerun()
            return
        with st.expander(t("auth.editor_sign_in")):
            if oidc_configured():
                if st.button(t("auth.sign_in_oidc"), key="sign_in_oidc"):
                    st.login()
                return
            with st.form("editor_login", clear_on_submit=True):
                name = st.text_input(t("auth.name"), key="editor_name_input")
                password = st.text_input(t("auth.password"), type="password", key="editor_pw")
                if st.form_submit_button(t("auth.sign_in")):
                    encoded = _secrets_section("editor").get("password_hash", "")
                    if verify_password(password, encoded):
                        st.session_state[_FLAG] = True
                        st.session_state["_editor_name"] = name or "editor"
                        st.rerun()
                    else:
                        st.error(t("auth.wrong_password"))

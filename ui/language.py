"""The session's language: chosen in the sidebar, kept in the URL as ``?lang=``.

Order of precedence at the top of each script run (``apply_language``):
1. a ``?lang=`` in the URL that changed from outside (a shared link, back/forward);
2. the language this session already chose;
3. the browser's language (``st.context.locale``, i.e. ``navigator.language``);
4. English.
The chosen language is set in the i18n ``ContextVar`` of this script run only, never
process-wide, so two browser sessions in two languages do not see each other's text.
"""

from __future__ import annotations

import streamlit as st

from indicators.i18n import DEFAULT_LANG, LANGUAGES, available_languages, normalise, set_language

PARAM = "lang"
_STATE = "_lang"  # the session's language code
_SEEN = "_lang_url"  # the ?lang= value as the app last wrote it
_GEN = "_lang_generation"  # bumped when the URL changes the language from outside


def _browser_language() -> str | None:
    try:
        return normalise(st.context.locale)
    except Exception:  # noqa: BLE001 - bare mode (tests, scripts): no browser context
        return None


def apply_language() -> str:
    """Decide this run's language, set it for ``t()``, and return its code."""
    offered = available_languages()
    url = normalise(st.query_params.get(PARAM))
    url = url if url in offered else None
    state = st.session_state.get(_STATE)
    if state is None:
        lang = url or _browser_language() or DEFAULT_LANG
    elif url is not None and url != st.session_state.get(_SEEN) and url != state:
        lang = url  # a link or back/forward changed the language
        st.session_state[_GEN] = st.session_state.get(_GEN, 0) + 1
        _relabel_widgets(clear_url=False)  # a link's own parameters are in its language
    else:
        lang = state
    if lang not in offered:
        lang = DEFAULT_LANG
    st.session_state[_STATE] = lang
    set_language(lang)
    return lang


#: Widgets bound to the URL that show translated labels (format_func): a language change
#: re-assigns their values so the browser redraws them, and their URL values, in the new labels.
LABEL_BOUND_WIDGETS = ("trend_mode", "trend_units")


def _relabel_widgets(clear_url: bool) -> None:
    """Redraw the sidebar filters under new keys: a multiselect keeps the labels it was given
    (country names), so a language change must not reuse it (its values live in ui.filters)."""
    from ui.filters import _GEN

    st.session_state[_GEN] = st.session_state.get(_GEN, 0) + 1
    if clear_url:  # re-assigning a bound widget's value redraws it (and its URL) in new labels
        for key in LABEL_BOUND_WIDGETS:
            if key in st.session_state:
                st.session_state[key] = st.session_state[key]


def _picked(widget_key: str) -> None:
    st.session_state[_STATE] = st.session_state[widget_key]
    _relabel_widgets(clear_url=True)


def language_selector() -> str:
    """The sidebar selector (names in their own language); keeps ``?lang=`` in the URL."""
    lang = apply_language()
    codes = available_languages()
    gen = st.session_state.get(_GEN, 0)
    key = "lang_select" if gen == 0 else f"lang_select_{gen}"
    with st.sidebar:
        st.selectbox(
            ":material/language: " + _label(lang),
            options=codes,
            index=codes.index(lang),
            format_func=lambda c: LANGUAGES[c].name,
            key=key,
            on_change=_picked,
            args=(key,),
        )
    if st.query_params.get(PARAM) != lang:
        st.query_params[PARAM] = lang
    st.session_state[_SEEN] = lang
    return lang


def _label(lang: str) -> str:
    from indicators.i18n import t

    label = t("lang.label")
    return label if lang == DEFAULT_LANG else f"{label} · Language"

"""Pure plotly figure builders (frames in, ``go.Figure`` out) for the dashboard and exports.

Every figure carries explicit colours, fonts and a white background; pages show them with
``st.plotly_chart(fig, theme=None)``. All user-facing text goes through ``indicators.i18n.t``.
Modules: ``style`` (palettes, classes, layout, captions), ``maps``, ``ranks``, ``trends``,
``profile``, ``coverage``.
"""

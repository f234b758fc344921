"""mkdocs-static-i18n warns that its contextual language switcher does not survive Material's
instant navigation. overrides/main.html and docs/javascripts/alternate.js fix exactly that, so
the warning no longer applies and is filtered here (it would fail `mkdocs build --strict`)."""

import logging


class _SwitcherFixed(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "not compatible with theme.features = navigation.instant" not in record.getMessage()


logging.getLogger("mkdocs.plugins.mkdocs_static_i18n.reconfigure").addFilter(_SwitcherFixed())

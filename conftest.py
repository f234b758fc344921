"""What the whole test suite shares: a skip for missing data is counted apart.

Without the real data sets (a fresh clone offline, no ../shared), the tests that read them and
the page blocks that need them are skipped with a reason starting "missing data: " (the
``data_dir`` fixture of tests/conftest.py, the page harness of docs/conftest.py); under CI they
fail instead. pytest's summary line then says how many: "..., 52 skipped for missing data".
"""

from __future__ import annotations

MISSING_DATA = "missing data: "
CATEGORY = "skipped for missing data"


def skipped_for_missing_data(report) -> bool:
    if not report.skipped or not isinstance(report.longrepr, tuple):
        return False
    return report.longrepr[-1].removeprefix("Skipped: ").startswith(MISSING_DATA)


def pytest_report_teststatus(report, config):
    if skipped_for_missing_data(report):
        return CATEGORY, "s", "SKIPPED (missing data)"
    return None

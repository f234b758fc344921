"""Every error a user of ``nnnotes.train`` or ``nnnotes.evaluate`` can meet.

Each class carries the exit code the command lines return for it, so both programs (and their
``--help``) agree on one table: 2 bad option (argparse), 3 data, 4 diverged, 5 run directory or
checkpoint, 128 + signal number when interrupted.
"""

from __future__ import annotations

EXIT_OK, EXIT_USAGE = 0, 2


class NnnotesError(Exception):
    """A failure with a message for the user (no traceback) and an exit code."""

    exit_code = 1


class DataError(NnnotesError):
    """A dataset is missing, cannot be downloaded, or a file is not what it should be."""

    exit_code = 3


class Diverged(NnnotesError):
    """The loss became NaN or infinite."""

    exit_code = 4


class RunError(NnnotesError):
    """The run directory or the options do not allow this run."""

    exit_code = 5


class CheckpointError(NnnotesError):
    """A checkpoint or run directory is missing or unreadable."""

    exit_code = 5


class Interrupted(NnnotesError):
    """Training stopped on SIGINT/SIGTERM after saving ``last.pt``."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


EXIT_DATA, EXIT_DIVERGED, EXIT_RUN = DataError.exit_code, Diverged.exit_code, RunError.exit_code

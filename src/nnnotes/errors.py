"""Every error a user of ``nnnotes.train`` or ``nnnotes.evaluate`` can meet, and the signals.

Each class carries the exit code the command lines return for it, so both programs (and their
``--help``) agree on one table, :data:`EXIT_CODES`. This module imports nothing heavy: the
command lines load it (and install :class:`ProgramSignals`) before they import torch, so a
Ctrl-C during those seconds is a clean exit too.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback

EXIT_OK, EXIT_BUG, EXIT_USAGE = 0, 1, 2

EXIT_CODES = ("Exit codes: 0 done; 1 internal error (a bug: please report it); 2 bad option, "
              "or an option this data or machine cannot use; 3 data missing, unreadable or "
              "corrupt; 4 loss diverged; 5 run directory or checkpoint problem (cannot write, "
              "not a checkpoint, nothing to resume); 6 run directory in use by another process; "
              "130/143 interrupted (SIGINT/SIGTERM).")


class NnnotesError(Exception):
    """A failure with a message for the user (no traceback) and an exit code."""

    exit_code = EXIT_BUG


class OptionError(NnnotesError):
    """An option is invalid, or cannot work with this data, this machine or this run."""

    exit_code = EXIT_USAGE


class DataError(NnnotesError):
    """A dataset is missing, cannot be downloaded or read, or a file is not what it should be."""

    exit_code = 3


class Diverged(NnnotesError):
    """The loss became NaN or infinite, or grew far beyond its starting value."""

    exit_code = 4


class RunError(NnnotesError):
    """The run directory does not allow this run (holds another, cannot be written...)."""

    exit_code = 5


class CheckpointError(NnnotesError):
    """A checkpoint or run directory is missing, unreadable or not what nnnotes writes."""

    exit_code = 5


class WriteError(RunError):
    """An output file could not be written (disk full, read-only, not a directory...)."""

    def __init__(self, message: str, path: object = None, errno: int | None = None) -> None:
        super().__init__(message)
        self.path, self.errno = path, errno


class Locked(RunError):
    """Another process holds the run directory's lock."""

    exit_code = 6


class Interrupted(NnnotesError):
    """The program stopped on SIGINT/SIGTERM (after saving ``last.pt`` when training)."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


class SignalStop(KeyboardInterrupt):
    """Raised by :class:`ProgramSignals` on the first SIGINT or SIGTERM (a KeyboardInterrupt,
    so everything that cleans up after Ctrl-C also cleans up after ``kill``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


class ProgramSignals:
    """For the whole life of a command: the first SIGINT or SIGTERM raises :class:`SignalStop`
    where the program is; every later one is ignored, so a second Ctrl-C cannot interrupt the
    clean-up of the first (no "Exception ignored ... KeyboardInterrupt").

    The training loop installs its own handler inside this one (it only sets a flag, see
    :class:`nnnotes.train.loop.StopOnSignal`). On exit the previous handlers come back (the
    ``__main__`` of each program then ignores signals for the last moments of the process).
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signum: int | None = None
        self.quiet = False  # set once the outcome is being reported: signals change nothing
        self.previous: dict[int, object] = {}

    def handle(self, signum: int, frame: object) -> None:
        if self.signum is None and not self.quiet:
            self.signum = signum
            raise SignalStop(signum)
        self.signum = self.signum or signum

    def ignore_from_now_on(self) -> None:
        self.quiet = True

    def stopping(self, signum: int) -> None:
        """A signal was already handled inside (by the training loop): ignore later ones."""
        self.signum = self.signum or signum

    def __enter__(self) -> ProgramSignals:
        try:
            for s in self.SIGNALS:
                self.previous[s] = signal.signal(s, self.handle)
        except ValueError:  # not the main thread: signals stay as they are
            self.previous.clear()
        return self

    def __exit__(self, *exc: object) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)


def exit_on_signals_while_starting() -> None:
    """For ``python -m``: until the command installs :class:`ProgramSignals`, SIGINT or
    SIGTERM (while torch loads) ends the process with 128 + signal and a one-line message.

    It ends it at once (``os._exit``): nothing has been written yet, and an exception raised
    in the middle of an import can be swallowed by the library being imported (some catch
    everything), which would go on half-imported."""

    def handle(signum: int, frame: object) -> None:
        os.write(2, f"interrupted by {signal_name(signum)} while starting; nothing was "
                    "written\n".encode())
        os._exit(128 + signum)

    for s in ProgramSignals.SIGNALS:
        signal.signal(s, handle)


class ExitAtOnceOnSignals:
    """``with ExitAtOnceOnSignals():`` the body (imports, nothing written) ends the process at
    once on SIGINT or SIGTERM, as :func:`exit_on_signals_while_starting`; the previous
    handlers come back after it."""

    def __enter__(self) -> ExitAtOnceOnSignals:
        try:
            self.previous = {s: signal.getsignal(s) for s in ProgramSignals.SIGNALS}
            exit_on_signals_while_starting()
        except ValueError:  # not the main thread
            self.previous = {}
        return self

    def __exit__(self, *exc: object) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)


def the_error_reported(e: BaseException) -> NnnotesError | None:
    """The :class:`NnnotesError` behind ``e``: a second signal may have replaced it in flight."""
    while e is not None and not isinstance(e, NnnotesError):
        e = e.__context__
    return e


def report(e: NnnotesError) -> int:
    """Print ``e`` for the user (``error: ...``, or the interruption as it is) and return its
    exit code."""
    print(e if isinstance(e, Interrupted) else f"error: {e}", file=sys.stderr, flush=True)
    return e.exit_code


def report_interrupted(signum: int, what: str) -> int:
    """The message and exit code (128 + signal) of a program stopped by SIGINT or SIGTERM."""
    print(f"interrupted by {signal_name(signum)}; {what}", file=sys.stderr, flush=True)
    return 128 + signum


def report_bug(program: str) -> int:
    """An unexpected exception: the traceback, and a plain statement that it is a bug."""
    traceback.print_exc()
    print(f"internal error: {program} failed in a way it does not expect; this is a bug in "
          "nnnotes, not in your input. Please report it with the command line and the "
          "traceback above. Checkpoints already written are intact.", file=sys.stderr)
    return EXIT_BUG


EXIT_DATA, EXIT_DIVERGED, EXIT_RUN = DataError.exit_code, Diverged.exit_code, RunError.exit_code
EXIT_LOCKED = Locked.exit_code

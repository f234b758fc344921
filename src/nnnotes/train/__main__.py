"""``python -m nnnotes.train``: see ``--help``."""

import signal
import sys

from nnnotes.errors import exit_on_signals_while_starting

exit_on_signals_while_starting()  # until main() takes over: Ctrl-C now is a clean exit too

from nnnotes.train.cli import main  # noqa: E402

code = main()
for s in (signal.SIGINT, signal.SIGTERM):  # done: a late Ctrl-C changes nothing any more
    signal.signal(s, signal.SIG_IGN)
sys.exit(code)

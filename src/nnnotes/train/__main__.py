"""``python -m nnnotes.train``: see ``--help``."""

import sys

from nnnotes.errors import exit_on_signals_while_starting

exit_on_signals_while_starting()  # until main() takes over: Ctrl-C now is a clean exit too

from nnnotes.train.cli import main  # noqa: E402

sys.exit(main())

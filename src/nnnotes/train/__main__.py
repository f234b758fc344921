"""``python -m nnnotes.train``: see ``--help``."""

import sys

from nnnotes.train.cli import main

sys.exit(main())

"""`python -m bot …` — the command line for operators."""

import sys

from bot.cli import main

sys.exit(main())

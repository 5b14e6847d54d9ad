"""``python -m bot`` is the same CLI as the ``distillbot`` console script."""

import sys

from bot.cli import main

sys.exit(main())

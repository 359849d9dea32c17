"""`python -m gse_dashboard`: the command line."""

import sys

from .cli import main

sys.exit(main())

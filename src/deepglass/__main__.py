"""`python -m deepglass` runs the `deepglass` command."""

import sys

from .cli import main

sys.exit(main())

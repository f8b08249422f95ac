"""`python -m cc_data.cli ...`, the same as `cc-data ...`."""

import sys

from cc_data.cli import main

sys.exit(main())

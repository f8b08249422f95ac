"""Started processes run on the tests' clock too (tests/clock.py puts this folder on PYTHONPATH)."""

import os

if os.environ.get("CC_TEST_NOW"):
    import time_machine

    time_machine.travel(os.environ["CC_TEST_NOW"], tick=True).start()

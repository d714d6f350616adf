"""A module that ends the process while it is imported: ``os._exit(0)``, or ``sys.exit(0)`` with ``EXIFBENCH_TEST_SYS_EXIT``."""

import os
import sys

if os.environ.get("EXIFBENCH_TEST_SYS_EXIT"):
    sys.exit(0)
os._exit(0)

"""A strategy module whose import takes an hour (a user's module that loads a model, or waits on a network share)."""

import time

time.sleep(3600)

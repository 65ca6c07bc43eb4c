"""Loaded by pytest (-p tests.testenv) before Django reads its settings.

The suite runs with production settings (debug off) minus HTTPS, which the test
client does not speak. Variables already set in the environment win.
"""

import os

os.environ.setdefault("CREDITS_SECRET_KEY", "insecure-key-for-tests-only")
os.environ.setdefault("CREDITS_HTTPS", "0")

"""Settings for the test suite: the product's own, asked for debug mode and plain HTTP (the test
client and the live server speak HTTP). A variable already set in the environment wins, and the
environment is left as it was, so the commands the tests start see the product's defaults."""

from __future__ import annotations

import os

_ASKED = {
    name: value
    for name, value in (("XUNZHI_DEBUG", "true"), ("XUNZHI_HTTPS", "false"))
    if name not in os.environ
}
os.environ.update(_ASKED)
try:
    from xunzhi.settings import *  # noqa: F403
finally:
    for _name in _ASKED:
        del os.environ[_name]

# A test-only app: the model of a throwaway seventh ledger (tests/test_registry.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.kindapp"]  # noqa: F405

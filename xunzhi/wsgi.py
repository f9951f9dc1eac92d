"""WSGI entry point (gunicorn xunzhi.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xunzhi.settings")
application = get_wsgi_application()
# Import every view now, then move everything loaded so far (modules, classes, settings: alive
# as long as the worker) out of the garbage collector's reach: a full collection otherwise walks
# them all, a pause of ~100 ms in the middle of some request.
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and so every view
gc.freeze()

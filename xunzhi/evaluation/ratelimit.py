"""The public survey page's rate limit, counted in the database so that every server process
(gunicorn runs several) shares one count per client address and hour.

One row per (client, hour): an ``UPDATE … SET hits = hits + 1`` (atomic in both databases), an
insert the first time in the hour (a racing insert falls back to the update), then a read of
the counts. Rows of earlier hours are deleted when a new hour's row is made. The address is
stored only as an HMAC under the secret key, so the table names no address.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from xunzhi.evaluation.models import SurveyRate

WINDOW = 3600  # seconds


def _client_key(address: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]


def rate_count(address: str, *, hits: int = 0, failures: int = 0) -> tuple[int, int]:
    """Add ``hits`` requests and ``failures`` refused codes to this hour's counts of ``address``;
    returns the counts after it (requests, refused codes)."""
    client, window = _client_key(address), int(time.time()) // WINDOW
    rows = SurveyRate.objects.filter(client=client, window=window)
    change = {"hits": F("hits") + hits, "failures": F("failures") + failures}
    with transaction.atomic():
        if not rows.update(**change):
            try:
                with transaction.atomic():
                    SurveyRate.objects.create(
                        client=client, window=window, hits=hits, failures=failures
                    )
            except IntegrityError:  # another process made it in between
                rows.update(**change)
            else:
                SurveyRate.objects.filter(window__lt=window).delete()
        counts: tuple[int, int] = rows.values_list("hits", "failures").get()
    return counts

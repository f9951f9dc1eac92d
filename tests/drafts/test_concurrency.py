"""Two (or four) people saving the same paragraph at once: no update is ever lost.

Each worker reads the paragraph, appends its own mark and saves with the version it read; on a
conflict it reads again and retries, as a person does after the conflict message. At the end
every mark is in the text exactly once, and the version counts every successful save.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connections

from xunzhi.drafts.models import DraftBlock
from xunzhi.drafts.services import ConflictError, block_update, draft_create

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 4
SAVES = 5


def test_concurrent_edits_of_one_paragraph_lose_nothing(evaluation):
    draft = draft_create(evaluation=evaluation)
    block = draft.blocks.filter(kind="body").order_by("position")[1]
    start = block.version
    conflicts = []
    barrier = threading.Barrier(WORKERS)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(SAVES):
                while True:
                    try:
                        current = DraftBlock.objects.get(pk=block.pk)
                        block_update(
                            block_id=block.pk,
                            text=current.text + f"〔{n}-{i}〕",
                            version=current.version,
                        )
                        break
                    except ConflictError:
                        conflicts.append(n)
                    except OperationalError:  # SQLite's shared in-memory test database: busy
                        time.sleep(0.005)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = DraftBlock.objects.get(pk=block.pk)
    for n in range(WORKERS):
        for i in range(SAVES):
            assert final.text.count(f"〔{n}-{i}〕") == 1
    assert final.version == start + WORKERS * SAVES

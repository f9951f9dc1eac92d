"""The web personas of tests/web, for the evaluation's pages."""

from tests.web.conftest import _immediate_tasks, clients, people, records  # noqa: F401

from django.apps import AppConfig


class KindappConfig(AppConfig):
    """A test-only app holding the model of a throwaway seventh ledger (tests/test_registry.py)."""

    name = "tests.kindapp"
    label = "kindapp"

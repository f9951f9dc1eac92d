"""The campaign carried in a URL's query string (``?campaign=CODE``), so links are shareable."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


def with_campaign(url: str, code: str) -> str:
    """``url`` with its ``campaign`` parameter set to ``code`` (the other parameters kept)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "campaign"]
    query.append(("campaign", code))
    return urlunsplit(parts._replace(query=urlencode(query)))

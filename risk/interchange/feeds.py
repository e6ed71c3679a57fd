"""Live provider notices: poll the status feeds an operator configured (LYNCHPIN_STATUS_FEEDS) for
incidents still open. Off by default: with no feed configured nothing here is ever called. A feed that
cannot be read is reported, never raised: the dashboard keeps working without it."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

from risk.catalog.sources.base import MAX_INPUT_BYTES
from risk.interchange.notice import Notice, read_open_notices
from risk.problems import InputError

__all__ = ["FeedPoll", "poll_feeds", "fetch_feed"]

TIMEOUT_SECONDS = 5.0


@dataclass
class FeedPoll:
    notices: list[Notice] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line per feed (or incident) that could not be read
    polled_at: str = ""


def fetch_feed(url: str, timeout: float = TIMEOUT_SECONDS) -> tuple[list[Notice], list[str]]:
    """The open incidents of one feed, and what went wrong (never an exception)."""
    if not url.lower().startswith(("http://", "https://")):
        return [], [f"{url}: not an http(s) address"]
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "lynchpin"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) checked above
            data = response.read(MAX_INPUT_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return [], [f"{url}: {getattr(exc, 'reason', None) or exc}"]
    if len(data) > MAX_INPUT_BYTES:
        return [], [f"{url}: more than {MAX_INPUT_BYTES // (1024 * 1024)} MiB"]
    try:
        notices, skipped = read_open_notices(data, url)
    except InputError as exc:
        return [], [f"{url}: {p.message}" for p in exc.problems]
    return notices, [f"{url}: {why}" for why in skipped]


def poll_feeds(urls: list[str], timeout: float = TIMEOUT_SECONDS) -> FeedPoll:
    """Every configured feed once, in order."""
    result = FeedPoll(polled_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    for url in urls:
        notices, problems = fetch_feed(url, timeout)
        result.notices += notices
        result.problems += problems
    return result

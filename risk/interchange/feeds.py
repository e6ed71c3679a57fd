"""Live provider notices: poll the status feeds an operator configured (LYNCHPIN_STATUS_FEEDS) for
incidents still open. Off by default: with no feed configured nothing here is ever called. A feed that
cannot be read is reported, never raised: the dashboard keeps working without it."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.parse
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


class _SameOrigin(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the same scheme, host and port as the address the operator set: never to
    another host (an internal address the server can reach and the operator never named), nor to file:,
    ftp: or plain http from https."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        asked, there = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if (there.scheme.lower(), there.netloc.lower()) != (asked.scheme.lower(), asked.netloc.lower()):
            raise urllib.error.URLError(f"redirected elsewhere ({code}); only the address set is read")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SameOrigin)


def _body(response, limit: int, deadline: float) -> bytes | None:
    """At most `limit` + 1 bytes of the response, read piece by piece; None when the whole answer takes past
    `deadline` (a feed that drips a byte at a time is given up, not waited for)."""
    parts, size = [], 0
    while size <= limit:
        if time.monotonic() > deadline:
            return None
        part = response.read1(min(65536, limit + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    return b"".join(parts)


def fetch_feed(url: str, timeout: float = TIMEOUT_SECONDS) -> tuple[list[Notice], list[str]]:
    """The open incidents of one feed, and what went wrong (never an exception). The answer must come
    within `timeout` seconds overall (each wait on the network at most that too), from the address set or
    a redirect to the same origin, and be at most LYNCHPIN_MAX_INPUT_MB."""
    if not url.lower().startswith(("http://", "https://")):
        return [], [f"{url}: not an http(s) address"]
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "lynchpin"})
    deadline = time.monotonic() + timeout
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            data = _body(response, MAX_INPUT_BYTES, deadline)
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        return [], [f"{url}: {getattr(exc, 'reason', None) or exc}"]
    if data is None:
        return [], [f"{url}: no whole answer within {timeout:g} s"]
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

"""Live provider notices (issue 28 point 4): a fake status feed on 127.0.0.1, read as open incidents; a
feed that fails is reported, never raised; with no feed configured nothing is fetched."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from risk.config import server_config
from risk.interchange.feeds import fetch_feed, poll_feeds

pytestmark = pytest.mark.timeout(60)

FEED = {
    "page": {"id": "p", "name": "Okta"},
    "incidents": [
        {
            "id": "open1",
            "name": "Okta Verify push notifications failing",
            "started_at": "2026-11-30T09:00:00Z",
            "resolved_at": None,
            "impact": "critical",
            "components": [{"name": "Okta Verify"}],
        },
        {
            "id": "done1",
            "name": "Earlier sign-in errors",
            "started_at": "2026-11-29T09:00:00Z",
            "resolved_at": "2026-11-29T10:00:00Z",
            "impact": "major",
            "components": [{"name": "Okta Verify"}],
        },
    ],
}


@contextmanager
def fake_feed(routes: dict[str, bytes]) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            body = routes.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body or b"{}")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_open_incidents_of_a_feed_are_read_as_notices() -> None:
    with fake_feed({"/unresolved.json": json.dumps(FEED).encode()}) as base:
        notices, problems = fetch_feed(base + "/unresolved.json")
    assert problems == []
    assert [n.record.id for n in notices] == ["statuspage-open1"]  # the resolved one is not under way
    assert notices[0].record.provider == "Okta" and notices[0].record.capability == ["mfa"]


def test_a_failing_feed_is_reported_and_the_others_still_read() -> None:
    with fake_feed({"/ok.json": json.dumps(FEED).encode(), "/bad.json": b"not json"}) as base:
        polled = poll_feeds([base + "/missing.json", base + "/bad.json", base + "/ok.json", "file:///etc/passwd"])
    assert len(polled.notices) == 1
    assert len(polled.problems) == 3
    assert any(p.endswith("missing.json: Not Found") for p in polled.problems)
    assert any("not JSON" in p for p in polled.problems)
    assert any("not an http(s) address" in p for p in polled.problems)


def test_off_by_default_no_outbound_call(monkeypatch) -> None:
    monkeypatch.delenv("LYNCHPIN_STATUS_FEEDS", raising=False)
    assert server_config().status_feed_list == []

    def refuse(*args, **kwargs):
        raise AssertionError("no outbound call may be made without a configured feed")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    from risk.dashboard.live import live_poll

    assert live_poll() is None

"""The status feed poller and the notice reader against a hostile feed or upload (issue 24 as applied to
issue 28 point 4): the poller reads only the address the operator set (no redirect to another host, to
file: or ftp:, or from https down to http), gives up on an answer that drips in past its time limit, and a
deeply nested document is a located problem, never a RecursionError (the poll runs in every page's
sidebar, so one raising would break every page for everyone)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from risk.interchange.feeds import fetch_feed, poll_feeds
from risk.interchange.notice import read_notice, read_open_notices
from risk.problems import InputError
from tests.interchange.test_feeds import FEED

pytestmark = pytest.mark.timeout(60)

NESTED = b"[" * 100_000 + b"]" * 100_000  # 200 KB, far below the size limit
NESTED_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000


@contextmanager
def server(handle) -> Iterator[tuple[str, list[str]]]:
    """A feed on 127.0.0.1 whose GET is `handle(handler)`; yields its base address and the paths asked."""
    asked: list[str] = []
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            asked.append(self.path)
            handle(self, stop)

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()


def _answer(body: bytes, status: int = 200, **headers):
    def handle(h, _stop) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k.replace("_", "-"), v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    return handle


@pytest.mark.parametrize("document", [NESTED, NESTED_OBJECT])
def test_a_deeply_nested_notice_upload_is_a_located_problem(document):
    for read in (read_notice, read_open_notices):
        with pytest.raises(InputError) as caught:
            read(document, "notice.json")
        assert caught.value.problems[0].message == "the document is nested too deeply to read"
        assert caught.value.problems[0].location.file == "notice.json"


def test_a_feed_answering_a_deeply_nested_document_is_reported_not_raised():
    with server(_answer(NESTED)) as (base, _):
        polled = poll_feeds([base + "/deep.json"])
    assert polled.notices == [] and polled.problems == [f"{base}/deep.json: the document is nested too deeply to read"]


def test_a_feed_redirecting_to_another_host_is_not_followed():
    with server(_answer(json.dumps(FEED).encode())) as (elsewhere, reached):
        for target in (elsewhere + "/unresolved.json", "file:///etc/passwd", "ftp://127.0.0.1/feed.json"):
            with server(_answer(b"", 302, Location=target)) as (base, _):
                notices, problems = fetch_feed(base + "/unresolved.json")
            assert notices == [] and len(problems) == 1 and "redirect" in problems[0].lower(), (target, problems)
    assert reached == []  # the other host was never asked


def test_a_feed_redirecting_within_its_own_address_is_followed():
    routes = {
        "/old.json": _answer(b"", 301, Location="/unresolved.json"),
        "/unresolved.json": _answer(json.dumps(FEED).encode()),
    }
    with server(lambda h, stop: routes[h.path](h, stop)) as (base, asked):
        notices, problems = fetch_feed(base + "/old.json")
    assert problems == [] and [n.record.id for n in notices] == ["statuspage-open1"]
    assert asked == ["/old.json", "/unresolved.json"]


def test_a_feed_that_drips_its_answer_is_given_up_within_its_time_limit():
    """A byte every 0.2 s never trips a per-read timeout of 1 s; the limit is on the whole answer."""
    body = json.dumps(FEED).encode()

    def drip(h, stop) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        for byte in body:
            if stop.wait(0.2):
                return
            h.wfile.write(bytes([byte]))
            h.wfile.flush()

    with server(drip) as (base, _):
        began = time.monotonic()
        notices, problems = fetch_feed(base + "/slow.json", timeout=1.0)
        took = time.monotonic() - began
    assert notices == [] and problems == [f"{base}/slow.json: no whole answer within 1 s"]
    assert took < 2.5  # the time limit and at most one more wait on the network


def test_a_feed_larger_than_the_limit_is_refused_unread(monkeypatch):
    import risk.interchange.feeds as feeds

    monkeypatch.setattr(feeds, "MAX_INPUT_BYTES", 1000)
    with server(_answer(b" " * 1001)) as (base, _):
        assert fetch_feed(base + "/big.json") == ([], [f"{base}/big.json: more than 0 MiB"])
    with server(_answer(json.dumps(FEED).encode().ljust(1000))) as (base, _):
        assert fetch_feed(base + "/big.json")[1] == []  # exactly at the limit: read


@pytest.mark.timeout(120)
def test_the_cli_refuses_a_deeply_nested_notice_with_exit_2(tmp_path):
    from typer.testing import CliRunner

    from risk.cli import app
    from risk.data import example_path

    notice = tmp_path / "deep.json"
    notice.write_bytes(NESTED_OBJECT)
    result = CliRunner().invoke(app, ["incident", str(example_path("nhs-acute-trust")), "--from-notice", str(notice)])
    assert result.exit_code == 2, result.output
    assert "deep.json" in result.stderr and "nested too deeply" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_notice_upload_over_its_size_limit_is_refused_unread():
    """One incident is a few KB: 10 MB of small JSON objects cost the web process 250 MB and seconds before
    it was found not to be a notice. On the limit it reads; one byte over it is refused before parsing."""
    from risk.interchange.notice import NOTICE_MAX_BYTES

    one = json.dumps(FEED).encode()
    read_notice(one.ljust(NOTICE_MAX_BYTES), "okta.json")  # trailing spaces: still JSON
    with pytest.raises(InputError) as caught:
        read_notice(one.ljust(NOTICE_MAX_BYTES + 1), "okta.json")
    problem = caught.value.problems[0]
    assert problem.location.file == "okta.json" and "over the limit of 1,048,576" in problem.message
    many = b"[" + b",".join([b"{}"] * 3_500_000) + b"]"  # 10 MB: 2-3 s and 250 MB to parse
    began = time.monotonic()
    with pytest.raises(InputError):
        read_notice(many, "big.json")
    assert time.monotonic() - began < 1


CONTROLS = "\x1b]0;PWNED\x07\x1b[2J\x9b31m\u202e"


@pytest.mark.timeout(120)
def test_a_notice_title_with_terminal_sequences_reaches_no_terminal_or_brief(tmp_path):
    """A provider notice is anyone's text: its title set the terminal's title and cleared the screen when
    `lynchpin incident --from-notice` printed it, and went raw into the brief."""
    from pathlib import Path

    from typer.testing import CliRunner

    from risk.cli import app
    from risk.data import example_path

    doc = json.loads(
        (Path(__file__).resolve().parent.parent / "data" / "notices" / "m365-entra-mfa-open.json").read_text()
    )
    doc["title"] += CONTROLS
    notice = read_notice(json.dumps(doc).encode(), "n.json")
    assert notice.title == "Users may be unable to complete multi-factor authentication" == notice.record.summary
    path = tmp_path / "n.json"
    path.write_text(json.dumps(doc))
    brief = tmp_path / "brief.html"
    args = ["incident", str(example_path("nhs-acute-trust")), "--from-notice", str(path), "--now", "2026-11-30T10:30Z"]
    shown = CliRunner().invoke(app, [*args, "--brief", str(brief)])
    assert shown.exit_code == 0, shown.output
    assert "multi-factor authentication" in shown.stdout
    assert not any(ch in shown.stdout + brief.read_text() for ch in "\x1b\x07\x9b\u202e")

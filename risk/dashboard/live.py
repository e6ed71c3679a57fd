"""Live provider notices in the dashboard (issue 28 point 4): the operator's status feeds
(LYNCHPIN_STATUS_FEEDS), polled at most once every LYNCHPIN_STATUS_POLL_MINUTES for the whole server, so
every workspace member sees the same open incidents. With no feed configured nothing is fetched."""

from __future__ import annotations

import time

import streamlit as st

from risk.advice.incident import dependencies_hit
from risk.catalog.model import Catalog
from risk.config import server_config
from risk.dashboard import page
from risk.interchange.feeds import FeedPoll, poll_feeds
from risk.interchange.notice import Notice
from risk.presentation.text import md_escape

__all__ = ["live_poll", "touching", "banner"]


@st.cache_data(show_spinner=False, max_entries=4)
def _poll(urls: tuple[str, ...], _period: int) -> FeedPoll:
    """One poll per period (the period number is part of the key): shared by every session."""
    return poll_feeds(list(urls))


def live_poll() -> FeedPoll | None:
    """This period's poll of the configured feeds; None when none is configured (no outbound call)."""
    config = server_config()
    urls = config.status_feed_list
    if not urls:
        return None
    return _poll(tuple(urls), int(time.time() // (config.status_poll_minutes * 60)))


def touching(catalog: Catalog) -> list[tuple[Notice, list[str]]]:
    """The open notices that hit the catalog, with the dependencies each hits (latest first)."""
    polled = live_poll()
    if polled is None:
        return []
    hits = [(n, dependencies_hit(catalog, n.record)) for n in polled.notices]
    return sorted(((n, d) for n, d in hits if d), key=lambda x: x[0].start, reverse=True)


def banner(catalog: Catalog) -> None:
    """In the sidebar of every page: an open provider incident that hits this catalog, and the way in."""
    found = touching(catalog)
    if not found:
        return
    with st.sidebar:
        for notice, down in found[:3]:
            st.error(
                f"**Live incident**: {md_escape(notice.record.provider)}: {md_escape(notice.title)} "
                f"(since {notice.start:%d %b %H:%M} UTC; hits {md_escape(', '.join(down))})"
            )
        st.page_link(page("incident"), label="Open Incident now", icon=":material/emergency:")

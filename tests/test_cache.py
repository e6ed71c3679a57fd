"""The byte-bounded cache the dashboard server keeps its results in (risk.cache)."""

from __future__ import annotations

from risk.cache import ByteCache, size_of


def test_least_recently_used_go_first_once_the_bytes_are_over_the_budget():
    cache = ByteCache(100, measure=len)
    cache.put("a", "x" * 40)
    cache.put("b", "x" * 40)
    assert cache.get("a") is not None  # a is now the most recently used
    cache.put("c", "x" * 40)  # 120 bytes: b goes
    assert "b" not in cache and "a" in cache and "c" in cache
    assert cache.bytes == 80


def test_exactly_at_the_budget_is_kept_one_byte_over_is_not():
    cache = ByteCache(100, measure=len)
    cache.put("a", "x" * 100)
    assert "a" in cache and cache.bytes == 100
    cache.put("b", "x" * 101)  # bigger than the whole budget: never kept, and a stays
    assert "b" not in cache and "a" in cache


def test_an_entry_that_grows_is_measured_again():
    cache = ByteCache(100, measure=len)
    grows = ["x" * 10]
    cache.put("a", grows, size=10)
    cache.put("b", "y" * 50)
    cache._measure = lambda v: 60 if v is grows else len(v)  # a has computed more since
    cache.resize("a")
    assert cache.bytes == 60 and "a" in cache and "b" not in cache  # b was least recently used


def test_size_of_measures_content_and_never_fails():
    assert size_of(b"x" * 10_000) > 10_000
    assert size_of(lambda: None) == 0  # cannot be pickled: counts nothing rather than failing

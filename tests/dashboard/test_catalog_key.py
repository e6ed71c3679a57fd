"""CatalogKey (risk.dashboard.state.key): every catalog reference a request carries (the address bar's
?catalog=, the session, the sidebar) is parsed into a bundled example's id or a stored catalog's name, and
anything else, above all anything shaped like a path, names nothing. No Streamlit session is needed."""

from __future__ import annotations

import pytest

from risk.dashboard.state.key import MAX_NAME, CatalogKey, KeyKind, key_problem
from risk.data import example_paths

pytestmark = pytest.mark.timeout(30)


# --- each prefix ----------------------------------------------------------------------------------------


def test_an_example_reference_parses_to_its_id_and_back():
    key = CatalogKey.parse("example:nhs-acute-trust")
    assert key == CatalogKey.example("nhs-acute-trust") and key.kind is KeyKind.EXAMPLE
    assert key.is_example and not key.is_saved and key.name == "nhs-acute-trust"
    assert str(key) == "example:nhs-acute-trust" and key.label == "Example: nhs acute trust"


def test_a_saved_reference_parses_to_its_name_with_spaces_and_brackets():
    key = CatalogKey.parse("saved:nhs-acute-trust (edited) (2)")
    assert key == CatalogKey.saved("nhs-acute-trust (edited) (2)") and key.is_saved and not key.is_example
    assert str(key) == "saved:nhs-acute-trust (edited) (2)" and key.label == "nhs-acute-trust (edited) (2)"
    assert CatalogKey.parse("saved:a:b") == CatalogKey.saved("a:b")  # only the first colon separates


def test_every_bundled_example_has_a_key_and_every_key_text_parses_back():
    for path in example_paths():
        key = CatalogKey.example(path.stem)
        assert CatalogKey.parse(str(key)) == key


def test_keys_are_values_usable_as_dictionary_keys():
    assert {CatalogKey.saved("trust"): 1}[CatalogKey.parse("saved:trust")] == 1
    assert CatalogKey.saved("trust") != CatalogKey.example("trust")
    with pytest.raises(AttributeError):
        CatalogKey.saved("trust").name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    [
        "upload:trust.yaml",  # "upload: ..." is a source's description, never a key
        "file:/etc/passwd",
        "Example:nhs-acute-trust",  # prefixes are exact
        "example nhs-acute-trust",
        "nhs-acute-trust",
        "saved",
        ":trust",
    ],
)
def test_any_other_prefix_names_nothing(text):
    assert CatalogKey.parse(text) is None


# --- hostile references -----------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["example:", "saved:"])
@pytest.mark.parametrize(
    "name",
    [
        "",  # empty
        " ",
        "../secret/board",
        "..",
        "/etc/passwd",  # absolute
        "/tmp/secret/board",
        "..%2f..%2fetc%2fpasswd",  # encoded separators
        "%2e%2e",
        "..\\..\\secret\\board",  # backslashes
        "C:\\secret\\board",
        "nhs-acute-trust/../../../etc/passwd",
        "trust\x00.yaml",  # a NUL
        "trust\nsaved:other",
        " trust",
        "trust ",
        "x" * (MAX_NAME + 1),
    ],
)
def test_path_shaped_or_empty_names_are_refused(prefix, name):
    assert CatalogKey.parse(prefix + name) is None
    kind = KeyKind(prefix[:-1])
    assert key_problem(kind, name)
    with pytest.raises(ValueError, match="not a catalog name"):
        CatalogKey(kind, name)


@pytest.mark.parametrize("name", ["trust.v2", "a b", "Trust (2)"])
def test_an_example_id_is_a_plain_word(name):
    assert CatalogKey.parse("example:" + name) is None  # a dot, a space or a bracket: no bundled example has one
    assert CatalogKey.parse("saved:" + name) == CatalogKey.saved(name)  # a stored name may


def test_the_longest_name_is_taken_and_one_more_is_refused():
    assert CatalogKey.parse("saved:" + "x" * MAX_NAME) is not None
    assert CatalogKey.parse("saved:" + "x" * (MAX_NAME + 1)) is None
    assert CatalogKey.parse("saved:x") is not None  # one character
    assert CatalogKey.parse("saved:") is None  # none


@pytest.mark.parametrize("value", [None, 3, b"example:nhs-acute-trust", ["example:nhs-acute-trust"]])
def test_what_is_not_text_names_nothing(value):
    assert CatalogKey.parse(value) is None

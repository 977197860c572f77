"""The lossless ini engine: what a user sees in the file after an edit, byte for byte."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ini.document import parse

SOURCE = "/opt/Citrix/ICAClient/config/wfclient.ini"


def doc_of(data: bytes):
    return parse(data, source=SOURCE)


def edited(data: bytes, *edits) -> bytes:
    doc = doc_of(data)
    for op, *args in edits:
        getattr(doc, op)(*args)
    return doc.to_bytes()


# -- unchanged input comes back byte for byte ------------------------------------------------------------

ROUND_TRIP = {
    "empty": b"",
    "lf": b"[WFClient]\nProxyType=None\n",
    "crlf": b"[WFClient]\r\nProxyType=None\r\n",
    "mixed line ends": b"[WFClient]\r\nA=1\nB=2\r\n",
    "no final newline": b"[WFClient]\nProxyType=None",
    "bom": b"\xef\xbb\xbf[WFClient]\nProxyType=None\n",
    "latin-1 bytes": b"[WFClient]\nProxyUsername=J\xfcrgen\n; caf\xe9\n",
    "invalid utf-8 sequences": b"[WFClient]\nA=\xc3\x28\xed\xa0\x80\xff\n",
    "comments and blanks": b"; top\n# hash\n\n[WFClient]\n\n  ; indented\nA=1\n\n\n",
    "keys before any section": b"Global=1\n[WFClient]\nA=1\n",
    "backslash sections": b"[Network\\Proxy]\nProxyType=Secure\n[Virtual Channels\\Smartcard]\nX=1\n",
    "key with spaces": b"[TCP/IP]\nVersion Minimum=10000\n",
    "value with equals": b"[WFClient]\nURL=http://x/?a=b&c=d\n",
    "spacing around equals": b"[WFClient]\n  ProxyType  =  None  \t\n",
    "header with comment": b"[WFClient] ; main\nA=1\n",
    "lone CR inside a line": b"[WFClient]\nA=1\rB\n",
    "line without equals": b"[WFClient]\njust some text\nA=1\n",
    "duplicate sections": b"[WFClient]\nA=1\n[wfclient]\nA=2\n",
}


@pytest.mark.parametrize("data", ROUND_TRIP.values(), ids=ROUND_TRIP.keys())
def test_unchanged_document_is_written_back_byte_for_byte(data):
    assert doc_of(data).to_bytes() == data


# -- reading -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "section", "key", "value"),
    [
        (b"[WFClient]\nProxyType=None\n", "wfclient", "PROXYTYPE", "None"),
        (b"[ WFClient ]\nProxyType = Secure \n", "WFClient", "ProxyType", "Secure"),
        (b"[Network\\Proxy]\nProxyHost=p:8080\n", "network\\proxy", "proxyhost", "p:8080"),
        (
            b"[Virtual Channels\\Smartcard]\nSmartCardAllowed=*\n",
            "Virtual Channels\\Smartcard",
            "SmartCardAllowed",
            "*",
        ),
        (b"[TCP/IP]\nVersion Minimum=10000\n", "TCP/IP", "version minimum", "10000"),
        (b"[W]\nURL=http://x/?a=b\n", "W", "URL", "http://x/?a=b"),
        (b"[W]\nEmpty=\n", "W", "Empty", ""),
        (b"[W]\nA=1 ; not a comment\n", "W", "A", "1 ; not a comment"),
        (b"Global=1\n[W]\n", None, "global", "1"),
        (b"\xef\xbb\xbf[W]\nA=1\r\n", "W", "A", "1"),
        (b"[W]\nA=1", "W", "A", "1"),
        (b"[W]\nA=1\n[W]\nA=2\n", "W", "A", "1"),
        (b"[W]\nA=1\nA=2\n", "W", "A", "1"),
        (b"[W]\nA=1\n", "W", "B", None),
        (b"[W]\nA=1\n", "Other", "A", None),
    ],
)
def test_get_reads_what_the_client_reads(data, section, key, value):
    assert doc_of(data).get(section, key) == value


def test_sections_and_items_keep_the_spelling_as_written():
    doc = doc_of(
        b"G=0\n[WFClient]\nProxyType=None\nproxytype=Socks\nVersion Minimum=1\n[Network\\Proxy]\n[wfclient]\nX=1\n"
    )
    assert doc.sections() == ["WFClient", "Network\\Proxy"]
    assert doc.items("WFCLIENT") == [("ProxyType", "None"), ("Version Minimum", "1")]
    assert doc.items(None) == [("G", "0")]
    assert doc.items("missing") == []
    assert doc.has_section("network\\proxy") and not doc.has_section("missing")


def test_duplicates_are_reported_with_the_line_the_client_reads():
    doc = doc_of(b"[W]\nA=1\na=2\n[w]\nA=3\n")
    notes = [d.describe(SOURCE) for d in doc.duplicates()]
    assert notes == [
        f"{SOURCE}: key a in [W] at line 3 repeats the one at line 2; the client reads only the first",
        f"{SOURCE}: section [w] at line 4 repeats the one at line 1; the client reads only the first",
    ]


# -- editing -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "edits", "expected"),
    [
        pytest.param(
            b"[WFClient]\nProxyType = None \n",
            [("set", "wfclient", "proxytype", "Secure")],
            b"[WFClient]\nProxyType = Secure \n",
            id="existing key keeps spelling and blanks",
        ),
        pytest.param(
            b"[W]\r\nA=1\r\n",
            [("set", "W", "A", "2")],
            b"[W]\r\nA=2\r\n",
            id="crlf kept on edited line",
        ),
        pytest.param(
            b"[W]\r\nA=1\r\n\r\n; next\r\n[X]\r\n",
            [("set", "W", "B", "2")],
            b"[W]\r\nA=1\r\nB=2\r\n\r\n; next\r\n[X]\r\n",
            id="new key after last key, in crlf",
        ),
        pytest.param(
            b"[W]\nA=1\n",
            [("set", "Network\\Proxy", "ProxyType", "Secure")],
            b"[W]\nA=1\n\n[Network\\Proxy]\nProxyType=Secure\n",
            id="new section at end",
        ),
        pytest.param(
            b"[W]\nA=1",
            [("set", "W", "B", "2")],
            b"[W]\nA=1\nB=2",
            id="no final newline stays so (new key)",
        ),
        pytest.param(
            b"[W]\nA=1",
            [("set", "X", "B", "2")],
            b"[W]\nA=1\n\n[X]\nB=2",
            id="no final newline stays so (new section)",
        ),
        pytest.param(b"", [("set", "WFClient", "A", "1")], b"[WFClient]\nA=1\n", id="empty file"),
        pytest.param(
            b"; only a comment",
            [("set", "W", "A", "1")],
            b"; only a comment\n\n[W]\nA=1",
            id="comment-only file",
        ),
        pytest.param(
            b"[W]\n",
            [("set", "W", "A", "1")],
            b"[W]\nA=1\n",
            id="empty section",
        ),
        pytest.param(
            b"[W]",
            [("set", "W", "A", "1")],
            b"[W]\nA=1",
            id="header is the last line without newline",
        ),
        pytest.param(
            b"\xef\xbb\xbf[W]\nU=\xfc\nA=1\n",
            [("set", "W", "A", "2")],
            b"\xef\xbb\xbf[W]\nU=\xfc\nA=2\n",
            id="bom and non-utf8 bytes kept",
        ),
        pytest.param(
            b"[W]\nA=1\n[w]\nA=5\n",
            [("set", "W", "A", "2")],
            b"[W]\nA=2\n[w]\nA=5\n",
            id="first duplicate section edited",
        ),
        pytest.param(
            b"[W]\nA=1\nA=5\n",
            [("set", "W", "A", "2")],
            b"[W]\nA=2\nA=5\n",
            id="first duplicate key edited",
        ),
        pytest.param(b"[W]\nA=1\n", [("set", "W", "A", "1")], b"[W]\nA=1\n", id="same value: unchanged"),
        pytest.param(b"[W]\nA=\n", [("set", "W", "A", "x=y")], b"[W]\nA=x=y\n", id="value with equals"),
        pytest.param(b"[W]\nA=1\n", [("set", "W", "A", "")], b"[W]\nA=\n", id="empty value"),
        pytest.param(
            b"G=1\n; c\n[W]\n",
            [("set", None, "H", "2")],
            b"G=1\nH=2\n; c\n[W]\n",
            id="key before any section",
        ),
        pytest.param(
            b"[W]\nA=1\nB=2\nA=3\n",
            [("remove", "W", "a")],
            b"[W]\nB=2\n",
            id="remove takes every occurrence",
        ),
        pytest.param(
            b"[W]\nA=1\n", [("remove", "W", "B")], b"[W]\nA=1\n", id="remove missing key: unchanged"
        ),
        pytest.param(
            b"[W]\nA=1\nB=2", [("remove", "W", "B")], b"[W]\nA=1", id="remove last line keeps no-newline"
        ),
        pytest.param(
            b"[A]\nx=1\n\n[B]\ny=2\n[a]\nz=3\n",
            [("remove_section", "a")],
            b"[B]\ny=2\n",
            id="remove_section removes every copy",
        ),
        pytest.param(
            b"[A]\nx=1\n\n[B]\ny=2",
            [("remove_section", "B")],
            b"[A]\nx=1\n",
            id="remove last section",
        ),
    ],
)
def test_edits_touch_only_the_lines_they_must(data, edits, expected):
    assert edited(data, *edits) == expected


def test_set_reports_whether_it_changed_anything():
    doc = doc_of(b"[W]\nA=1\n")
    assert doc.set("W", "A", "1") is False
    assert doc.set("w", "a", "2") is True
    assert doc.remove("W", "missing") is False
    assert doc.remove_section("missing") is False


def test_new_lines_follow_the_dominant_line_end():
    assert edited(b"[W]\r\nA=1\r\nB=2\nC=3\r\n", ("set", "X", "K", "v")).endswith(b"\r\n\r\n[X]\r\nK=v\r\n")
    assert edited(b"[W]\nA=1\r\nB=2\n", ("set", "W", "K", "v")) == b"[W]\nA=1\r\nB=2\nK=v\n"


def test_display_masks_selected_values_and_replaces_undecodable_bytes():
    doc = doc_of(b"[W]\nProxyPassword = s3cret\nUser=J\xfcrgen\n")
    shown = doc.to_display(mask=lambda key: "password" in key.lower())
    assert shown == "[W]\nProxyPassword = ********\nUser=J\ufffdrgen\n"
    assert b"s3cret" in doc.to_bytes()


# -- errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "line", "cause"),
    [
        (b"; c\n\n[WFClient\nA=1\n", 3, "has no closing ']'"),
        (b"[W]\nA=1\n[Network\\Proxy] junk\n", 3, "unexpected text 'junk'"),
        (b"[W]\n[]\n", 2, "empty name"),
        (b"[W]\nA=1\nB=\x00\x01\n", 3, "NUL byte"),
        ("[W]\nA=1\n".encode("utf-16"), 1, "not a text ini file"),
    ],
)
def test_broken_files_name_the_file_line_and_cause(data, line, cause):
    with pytest.raises(IcaClientError) as info:
        doc_of(data)
    message = str(info.value)
    assert SOURCE in message
    assert f"line {line}:" in message
    assert cause in message
    assert info.value.details["line"] == line


@pytest.mark.parametrize(
    ("section", "key", "value", "cause"),
    [
        ("W", "", "1", "empty"),
        ("W", "A=B", "1", "must not contain"),
        ("W", "[A", "1", "must not contain"),
        ("W", " A", "1", "surrounding blanks"),
        ("W", "A", "1\n[X]", "line break"),
        ("W", "A", " 1", "leading or trailing blanks"),
        ("W]x", "A", "1", "section name"),
        ("", "A", "1", "section name"),
    ],
)
def test_set_refuses_what_would_not_read_back(section, key, value, cause):
    doc = doc_of(b"[W]\nA=0\n")
    with pytest.raises(IcaClientError, match=cause):
        doc.set(section, key, value)
    assert doc.to_bytes() == b"[W]\nA=0\n"


# -- properties ----------------------------------------------------------------------------------------

_NAME_CHARS = st.sampled_from(list("abcdefgABCXYZ019 _.-\\/"))
_section_names = st.text(_NAME_CHARS, min_size=1, max_size=12).filter(lambda s: s.strip() == s and s.strip())
_key_names = st.text(st.sampled_from(list("abcXYZ09 _.")), min_size=1, max_size=10).filter(
    lambda s: s.strip() == s and s.strip()
)
# Raw text bytes: anything but NUL and line breaks, including bytes that are not UTF-8.
_raw = st.binary(max_size=20).map(lambda b: b.replace(b"\x00", b"").replace(b"\n", b"").replace(b"\r", b""))


@st.composite
def _line(draw) -> bytes:
    kind = draw(st.sampled_from(["section", "key", "key", "key", "comment", "blank", "other"]))
    if kind == "section":
        pad = draw(st.sampled_from([b"", b" ", b"\t"]))
        return pad + b"[" + draw(_section_names).encode() + b"]" + pad
    if kind == "key":
        sep = draw(st.sampled_from([b"=", b" = ", b"= ", b"\t=\t"]))
        return draw(_key_names).encode() + sep + draw(_raw)
    if kind == "comment":
        return draw(st.sampled_from([b";", b"#", b"  ;"])) + draw(_raw)
    if kind == "blank":
        return draw(st.sampled_from([b"", b" ", b"\t \t"]))
    other = draw(_raw).replace(b"=", b"")
    return other if other.strip()[:1] not in (b"[", b";", b"#") else b"x" + other


@st.composite
def ini_bytes(draw) -> bytes:
    lines = draw(st.lists(_line(), max_size=25))
    ends = draw(st.lists(st.sampled_from([b"\n", b"\r\n"]), min_size=len(lines), max_size=len(lines)))
    body = b"".join(line + end for line, end in zip(lines, ends))
    if lines and draw(st.booleans()):
        body = body[: -len(ends[-1])]  # no final newline
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + body


_values = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), max_size=12)


def _fold(name):
    return None if name is None else name.strip().lower()


def _view(doc) -> dict:
    """What the client reads: (section, key) folded -> value."""
    return {
        (_fold(section), _fold(key)): value
        for section in [None, *doc.sections()]
        for key, value in doc.items(section)
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ini_bytes())
def test_property_round_trip_is_byte_for_byte(data):
    assert doc_of(data).to_bytes() == data


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200).map(lambda b: b.replace(b"\x00", b"")))
def test_property_any_bytes_either_round_trip_or_fail_with_a_line_number(data):
    """Arbitrary bytes (lone CRs, broken UTF-8, stray brackets): exact round trip, or a clear refusal."""
    try:
        doc = doc_of(data)
    except IcaClientError as exc:
        assert SOURCE in exc.message and "line" in exc.details
        assert (
            data.removeprefix(b"\xef\xbb\xbf").split(b"\n")[exc.details["line"] - 1].strip().startswith(b"[")
        )
        return
    assert doc.to_bytes() == data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=ini_bytes(),
    section=st.one_of(_section_names, st.none()),
    key=_key_names,
    value=_values,
    pick=st.integers(0, 50),
)
def test_property_edit_then_reread_changes_only_that_key(data, section, key, value, pick):
    doc = doc_of(data)
    existing = doc.sections()
    if existing and pick % 2:
        section = existing[pick % len(existing)]  # often edit a section that exists
    before = _view(doc)
    old_lines = data.removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)

    doc.set(section, key, value)
    new_bytes = doc.to_bytes()
    reread = doc_of(new_bytes)

    assert reread.get(section, key) == value
    after = _view(reread)
    target = (_fold(section), _fold(key))
    assert {k: v for k, v in after.items() if k != target} == {k: v for k, v in before.items() if k != target}
    assert new_bytes.startswith(b"\xef\xbb\xbf") == data.startswith(b"\xef\xbb\xbf")
    if data.removeprefix(b"\xef\xbb\xbf"):
        assert new_bytes.endswith(b"\n") == data.endswith(b"\n")
    # Every old line is still there, in order; only its line end may be added (old last line).
    new_lines = new_bytes.removeprefix(b"\xef\xbb\xbf").splitlines(keepends=True)
    changed_line = reread.line_of(section, key)
    remaining = iter(line for number, line in enumerate(new_lines, start=1) if number != changed_line)
    for number, line in enumerate(old_lines, start=1):
        if number == changed_line and doc_of(data).line_of(section, key) == number:
            continue
        for candidate in remaining:
            if candidate == line or (number == len(old_lines) and candidate.rstrip(b"\r\n") == line):
                break
        else:
            raise AssertionError(f"old line {number} {line!r} is missing or changed")


@settings(max_examples=200, deadline=None)
@given(data=ini_bytes(), pick=st.integers(0, 50))
def test_property_remove_then_reread_removes_only_that_key(data, pick):
    doc = doc_of(data)
    keys = [(s, k) for s in [None, *doc.sections()] for k, _ in doc.items(s)]
    if not keys:
        return
    section, key = keys[pick % len(keys)]
    before = _view(doc)
    doc.remove(section, key)
    new_bytes = doc.to_bytes()
    reread = doc_of(new_bytes)
    assert reread.get(section, key) is None
    if new_bytes.removeprefix(b"\xef\xbb\xbf"):
        # A final newline stays; a missing one is not added: the new last line has no line end.
        # (Its bytes may still end in a newline when that last line is blank: b"[0]\n\n0=" minus
        # the key is b"[0]\n" followed by an empty last line.)
        if data.endswith(b"\n"):
            assert new_bytes.endswith(b"\n")
        else:
            assert doc._lines[-1].eol == ""
    assert _view(reread) == {k: v for k, v in before.items() if k != (_fold(section), _fold(key))}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", b"[New]\n"),
        (b"[A]\r\nx=1\r\n", b"[A]\r\nx=1\r\n\r\n[New]\r\n"),
        (b"[A]\nx=1", b"[A]\nx=1\n\n[New]"),  # no final newline stays so
        (b"[A]\nx=1\n\n", b"[A]\nx=1\n\n[New]\n"),
        (b"[new]\nx=1\n", b"[new]\nx=1\n"),  # already there (any case): unchanged
    ],
)
def test_add_section_appends_an_empty_section_once(data, expected):
    doc = doc_of(data)
    assert doc.add_section("New") is (data != expected)
    assert doc.to_bytes() == expected
    doc.set("New", "k", "v")
    assert doc.get("New", "k") == "v" and doc_of(doc.to_bytes()).get("New", "k") == "v"

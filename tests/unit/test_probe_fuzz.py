"""No input trips the prober: the target parser and the option checks, fuzzed.

The only outcomes allowed are a parsed target / built options, or the one domain
exception (a usage error for the faces); never another exception, never a credential
echoed, never a control character in a message.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.icaclient.linux.plugins.module_utils._display import escape_controls
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._probe import (
    MAX_TIMEOUT,
    Target,
    make_options,
    parse_target,
    shown_target,
)
from ansible_collections.icaclient.linux.plugins.module_utils._probe.proxy import dns_name_problem
from icaprobe import cli

FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCHEMES = st.sampled_from(
    ["", "https://", "ssl://", "ica://", "cgp://", "tcp://", "http://", "HTTPS://", "x://"]
)
HOSTY = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=80
) | st.from_regex(r"[a-z0-9.\-\[\]:]{0,70}", fullmatch=True)
PORTS = st.one_of(
    st.just(""), st.integers(-5, 70000).map(lambda port: f":{port}"), st.text(max_size=6).map(":".__add__)
)
PATHS = st.one_of(st.just(""), st.text(max_size=20).map("/".__add__), st.just("?a=b"))


def _has_control(text: str) -> bool:
    return escape_controls(text) != text


@FUZZ
@given(scheme=SCHEMES, host=HOSTY, port=PORTS, path=PATHS)
def test_a_target_parses_or_is_refused_by_name(scheme: str, host: str, port: str, path: str) -> None:
    text = f"{scheme}{host}{port}{path}"
    try:
        target = parse_target(text)
    except IcaClientError as exc:
        assert not _has_control(exc.message), exc.message
        return
    assert isinstance(target, Target)
    assert 1 <= target.port <= 65535
    assert target.host and not _has_control(target.host)


@FUZZ
@given(
    user=st.text(min_size=1, max_size=12).filter(lambda text: "@" not in text and "/" not in text),
    password=st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789!$%&*+,;=", min_size=4, max_size=16
    ),
    scheme=SCHEMES,
    rest=st.sampled_from(["gw.example.com", "gw.example.com:443/Citrix", "[::1]:8443", "", "h:99999"]),
)
def test_a_password_in_a_target_never_appears_in_the_message(
    user: str, password: str, scheme: str, rest: str
) -> None:
    assume(password not in f"{scheme}{user}{rest}")
    text = f"{scheme}{user}:{password}@{rest}"
    with pytest.raises(IcaClientError) as caught:
        parse_target(text)
    assert password not in caught.value.message
    assert password not in shown_target(text)


@FUZZ
@given(host=HOSTY)
def test_a_name_is_judged_without_raising(host: str) -> None:
    problem = dns_name_problem(host)
    assert problem is None or isinstance(problem, str)
    if problem is None and host and host.isascii() and "." in host:
        assert all(len(label) <= 63 for label in host.rstrip(".").split("."))


TIMEOUTS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.text(max_size=8),
    st.none(),
    st.booleans(),
)
COUNTS = st.one_of(
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6),
    st.none(),
)


@FUZZ
@given(timeout=TIMEOUTS, concurrency=COUNTS, trust=st.sampled_from(["auto", "yes", "no", "maybe", ""]))
def test_options_build_or_are_refused_by_name(
    tmp_path_factory: pytest.TempPathFactory, timeout: object, concurrency: object, trust: str
) -> None:
    keystore = tmp_path_factory.getbasetemp()
    try:
        options = make_options(
            keystore=str(keystore), timeout=timeout, concurrency=concurrency, trust_system_store=trust
        )
    except IcaClientError:
        return
    assert math.isfinite(options.tls_timeout) and 0 < options.tls_timeout <= MAX_TIMEOUT
    assert 1 <= options.concurrency <= 1024


@FUZZ
@given(
    timeout=st.one_of(
        st.sampled_from(["nan", "inf", "-inf", "1e999", "0", "-0", "1e-400", "abc"]), st.text(max_size=6)
    ),
    version=st.one_of(st.none(), st.text(max_size=10)),
    target=st.one_of(st.text(max_size=30), SCHEMES.map(lambda scheme: f"{scheme}a:b@h")),
)
def test_the_cli_answers_bad_input_with_a_usage_error(
    tmp_path_factory: pytest.TempPathFactory, timeout: str, version: object, target: str
) -> None:
    # The keystore folder exists but holds no cacerts: a run that gets past every check stops
    # there, also with exit 2, so no network is touched.
    keystore = Path(tmp_path_factory.getbasetemp())
    argv = ["--keystore", str(keystore), f"--timeout={timeout}", "--", target]
    if version is not None:
        argv[:0] = [f"--client-version={version}"]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = cli.main(argv, environ={}, stdout=stdout, stderr=stderr, stdin=io.StringIO(""))
    assert code == cli.EXIT_USAGE
    assert "Traceback" not in stderr.getvalue()
    if "a:b@" in target:
        assert ":b@" not in stderr.getvalue()

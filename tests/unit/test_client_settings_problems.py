"""The client_settings_problems filter: client_ini's checks on the controller.

Each case is checked twice: what the filter returns, and what client_ini in check
mode reports for the same settings on a file that does not exist (run for real
through ansible-playbook, with the filter applied in a template of the same play,
as a role would use it). They must agree, problem for problem.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_run import run_tasks

from ansible_collections.icaclient.linux.plugins.filter.client_settings_problems import (
    FilterModule,
    client_settings_problems,
)

SECRET = "Pw-in-settings-5521"
TLS13_FROM_24_2 = {"tls": {"tls13_min_client_version": "24.2"}}

# label: (sections, filter keyword arguments, the problems expected)
CASES = {
    "accepted": (
        {
            "WFClient": {
                "MinimumTLS": "1.2",
                "MaximumTLS": "1.2",
                "ProxyType": "Secure",
                "ProxyHost": "proxy.example.com:3128",
                "ProxyPort": 3128,
                "ProxyAuthenticationNTLM": True,
                "UseLocalUserAndPassword": None,
            },
            "Thinwire3.0": {"DesiredColor": "8"},
            "Network\\SSL": {"SSLProxyHost": "gateway.example.com:443"},
        },
        {},
        [],
    ),
    "tls window inverted": (
        {"WFClient": {"MinimumTLS": "1.2", "MaximumTLS": "1.0"}},
        {},
        ["[WFClient] MinimumTLS=1.2 is above MaximumTLS=1.0: no TLS version would be left to negotiate"],
    ),
    "minimum above the client's default maximum": (
        {"WFClient": {"MinimumTLS": "1.3"}},
        {"allow_tls13": True},
        [
            "[WFClient] MinimumTLS=1.3 is above MaximumTLS=1.2 (the client's default): "
            "no TLS version would be left to negotiate"
        ],
    ),
    "secure without proxy host": (
        {"WFClient": {"ProxyType": "Secure", "ProxyPort": 8080}},
        {},
        ["[WFClient] ProxyType=Secure needs ProxyHost to be set"],
    ),
    "tls 1.3 not enabled": (
        {"WFClient": {"MinimumTLS": "1.2", "MaximumTLS": "1.3"}},
        {},
        ["[WFClient] MaximumTLS=1.3: TLS 1.3 is not enabled for this client (set allow_tls13)"],
    ),
    "tls 1.3 with allow_tls13": (
        {"WFClient": {"MinimumTLS": "1.2", "MaximumTLS": "1.3"}},
        {"allow_tls13": True},
        [],
    ),
    "tls 1.3 on a client too old": (
        {"WFClient": {"MaximumTLS": "13"}},
        {"client_version": "23.11.0.82", "schema_overrides": TLS13_FROM_24_2},
        [
            "[WFClient] MaximumTLS=13: TLS 1.3 is not enabled for this client "
            "(set allow_tls13 or use a client version >= 24.2)"
        ],
    ),
    "tls 1.3 on a client new enough": (
        {"WFClient": {"MaximumTLS": "13"}},
        {"client_version": "24.2.0.65", "schema_overrides": TLS13_FROM_24_2},
        [],
    ),
    "bad ports": (
        {
            "WFClient": {"ProxyPort": 70000, "ProxyHost": "proxy.example.com:0"},
            "Network\\CGP": {"CGPAddress": "*:0"},
        },
        {},
        [
            "[WFClient] ProxyPort=70000: must be an integer from 1 to 65535",
            "[WFClient] ProxyHost=proxy.example.com:0: port '0' must be an integer from 1 to 65535",
            "[Network\\CGP] CGPAddress=*:0: port '0' must be an integer from 1 to 65535",
        ],
    ),
    "a secret in settings": (
        {"WFClient": {"ProxyPassword": SECRET}},
        {},
        [
            "[WFClient] cannot set ProxyPassword in wfclient.ini: ProxyPassword is a secret; give it in "
            "secret_settings (which Ansible keeps out of logs), not in settings"
        ],
    ),
    "a yaml boolean for a key without words": (
        {"WFClient": {"NewSwitch": True}},
        {},
        [
            "[WFClient] cannot set NewSwitch in wfclient.ini: a YAML boolean is ambiguous for this key; "
            "quote the value as the client expects it (for example 'True', 'On' or '1')"
        ],
    ),
    "a section with nothing to set": ({"WFClient": {}, "Other": None}, {}, []),
}


@pytest.mark.parametrize(("sections", "kwargs", "expected"), CASES.values(), ids=list(CASES))
def test_problems(sections, kwargs, expected):
    assert client_settings_problems(sections, **kwargs) == expected


def test_a_secret_value_is_never_named():
    problems = client_settings_problems({"WFClient": {"ProxyPassword": SECRET, "MinimumTLS": "9"}})
    assert problems and SECRET not in " ".join(problems)


@pytest.mark.parametrize(
    ("sections", "kwargs", "message"),
    [
        (["WFClient"], {}, "expects a mapping of section name to settings, got list"),
        ({"WFClient": "MinimumTLS=1.2"}, {}, "the settings of section WFClient must be a mapping"),
        (
            {"WFClient": {"MinimumTLS": "1.2"}},
            {"schema_overrides": {"colour": {}}},
            "unknown schema override",
        ),
        ({"WFClient": {}}, {"schema_overrides": ["tls"]}, "schema_overrides must be a mapping"),
    ],
)
def test_bad_input_is_an_error_of_the_filter(sections, kwargs, message):
    with pytest.raises(AnsibleFilterError, match=message):
        client_settings_problems(sections, **kwargs)


def test_the_filter_is_registered_under_its_name():
    assert FilterModule().filters() == {"client_settings_problems": client_settings_problems}


def test_the_filter_agrees_with_client_ini_in_check_mode(tmp_path):
    """One play: per case, client_ini in check mode on each section, and the filter in a template."""
    absent = tmp_path / "config" / "wfclient.ini"  # never created: the settings go into an empty file
    module_options = ("allow_tls13", "client_version", "schema_overrides")
    tasks, steps = [], []
    for label, (sections, kwargs, _expected) in CASES.items():
        for section, settings in sections.items():
            if not settings:
                continue  # client_ini needs settings; the filter skips an empty section the same way
            options = {name: kwargs[name] for name in module_options if name in kwargs}
            tasks.append(
                {
                    "icaclient.linux.client_ini": {
                        "path": str(absent),
                        "section": section,
                        "settings": settings,
                        **options,
                    },
                    "check_mode": True,
                }
            )
            steps.append((label, section))
        tasks.append(
            {
                "ansible.builtin.set_fact": {
                    "problems": "{{ sections | icaclient.linux.client_settings_problems(**kwargs) }}"
                },
                "vars": {"sections": sections, "kwargs": kwargs},
            }
        )
        steps.append((label, None))
    # The module fails exactly on the sections whose settings the filter finds problems in.
    failing = {
        index
        for index, (label, section) in enumerate(steps)
        if section is not None and any(p.startswith(f"[{section}] ") for p in CASES[label][2])
    }
    run = run_tasks(tmp_path / "run", tasks, expect_failures=failing)
    from_module: dict[str, list[str]] = {label: [] for label in CASES}
    from_template: dict[str, list[str]] = {}
    for (label, section), result in zip(steps, run.results):
        if section is None:
            from_template[label] = result["ansible_facts"]["problems"]
            continue
        if not result.get("failed"):
            continue
        problems = result.get("problems") or [result["msg"].replace(str(absent), "wfclient.ini")]
        from_module[label].extend(f"[{section}] {problem}" for problem in problems)
    assert not absent.exists()
    for label, (_sections, _kwargs, expected) in CASES.items():
        assert from_module[label] == expected, label
        assert from_template[label] == expected, label
    assert SECRET not in run.stdout + run.stderr

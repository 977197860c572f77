#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: connection_probe
short_description: Probe, from the endpoint, the connections the Citrix Workspace app would make
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - For each target, walks the path the Citrix Workspace app for Linux would take from this
    host and reports what the client would say. A first sign of a broken path is otherwise
    an "SSL error 61" on a thin client, or a silent proxy failure.
  - "The path: direct, or through the proxy the client is configured with (C(ProxyType),
    C(ProxyHost), C(ProxyPort), C(ProxyUsername) in the user's C(~/.ICAClient/wfclient.ini),
    else C(<icaroot>/config/wfclient.ini), else C(module.ini)), or through O(proxy): SOCKS4,
    SOCKS5 (no authentication, or username and password) and HTTP CONNECT (the client's
    C(Secure) proxy) with no authentication, Basic or NTLM. A configured Socks or Secure proxy
    with C(HDXoverUDP) not C(Off) is flagged in RV(results[].warnings): EDT (UDP) cannot pass it."
  - "TLS: which of TLS 1.0, 1.1, 1.2 and 1.3 the server accepts, each version tried alone,
    judged against the client's window (C(MinimumTLS), C(MaximumTLS) from its files, the
    client's defaults 1.0 and 1.2, or O(min_tls)/O(max_tls))."
  - "Trust: the chain is verified by OpenSSL against the client's keystore
    (C(keystore/cacerts) as trust anchors, C(keystore/intcerts) to complete chains, both
    through their subject-hash links, as the client reads them) and, for clients that trust
    it (Workspace app 2309 and later, see O(trust_system_store)), the system store; each
    verdict says through which store the chain is trusted (RV(results[].trusted_by)); the host
    name; every key at most 4096 bits, the server's included; expiry and days left."
  - "Cipher suites: at TLS 1.0-1.2 the suites the client offers for its C(SSLCiphers) (V(ALL),
    V(COM), V(GOV) in C([WFClient])); a server with none of them is error 47 naming the suites
    to enable, one that agrees only on a suite no source confirms (ECDSA suites) passes with a
    warning."
  - "The client's version comes from C(<icaroot>/pkginf/Ver.core.<platform>) (C(ID_VERSION=)),
    or O(client_version); without either it is unknown, and verdicts that depend on it say so."
  - "Each failing target names the error number the client would show (4 network error, 47
    handshake failure or TLS window, 59 bad name, 60 self-signed, 61 issuer not trusted, 62 no
    issuer, 63 self-signed in chain, 64 bad signature, 68 not yet valid, 70 expired, 79 key too
    long, 81 bad extended key usage, 84 bad key usage, 85 unsupported critical extension) or the
    failure of the path (V(connect), V(timeout), V(proxy), V(proxy_auth)), and one sentence of fix."
  - Everything a server sends (certificate names, alerts, proxy answers) is returned with
    control characters escaped (C(\x1b)); credentials written into a target are refused and
    never echoed.
  - Targets run concurrently with bounded memory; each phase (connect, proxy handshake, TLS
    handshake) has its own timeout.
  - The probe changes nothing, so it runs in check mode too, and never reports a change.
  - "Not evaluated: PAC/WPAD (C(ProxyType) Auto, Wpad, Script are probed direct, with a
    warning) and the lockdown profiles (C(All_Regions.ini), C(*_Region.ini)); see
    M(icaclient.linux.region_lockdown) for a Socks or Secure proxy a profile does not permit."
options:
  targets:
    description:
      - "What to probe. V(https://HOST[:PORT][/PATH]) is a NetScaler Gateway or StoreFront
        URL; V(HOST[:PORT]) an SSL Relay (port 443 by default); V(HOST:1494) (ICA) and
        V(HOST:2598) (CGP, session reliability) are probed for TCP reachability only, as are
        V(ica://HOST[:PORT]), V(cgp://HOST[:PORT]) and V(tcp://HOST:PORT)."
    type: list
    elements: str
    required: true
  icaroot:
    description:
      - The client's installation folder (C(ICAROOT)). The keystore is C(<icaroot>/keystore)
        and the settings come from C(<icaroot>/config) and the user's C(~/.ICAClient).
      - Defaults to C(/opt/Citrix/ICAClient) when O(keystore) is not given.
    type: path
  keystore:
    description:
      - A folder holding C(cacerts/) and C(intcerts/), instead of an installed client. Then
        the client's settings are read only from O(user_home), when given.
    type: path
  user_home:
    description:
      - Home folder of the user whose C(~/.ICAClient/wfclient.ini) applies. Defaults to the
        home of the user running the module.
    type: path
  proxy:
    description:
      - A proxy to probe through instead of the configured one, as a URL without credentials
        (V(socks4://HOST:PORT), V(socks5://HOST:PORT), V(http://HOST:PORT) for HTTP CONNECT),
        or V(direct) to ignore a configured proxy.
    type: str
  proxy_username:
    description:
      - Proxy user (C(DOMAIN\user) for NTLM). Without O(proxy) it applies to the configured proxy.
    type: str
  proxy_password:
    description:
      - Proxy password. Never returned or logged.
    type: str
  proxy_auth:
    description:
      - How to authenticate to an HTTP CONNECT proxy. V(auto) answers the proxy's 407 with
        NTLM when the proxy offers it, else Basic (as the client does); V(none) sends no
        credentials. Defaults to V(auto), narrowed by C(ProxyAuthenticationBasic) and
        C(ProxyAuthenticationNTLM) in the client's files.
      - NTLM needs the Python library pyspnego on the managed host.
    type: str
    choices: [auto, none, basic, ntlm]
  min_tls:
    description:
      - Lowest TLS version the client uses, instead of its C(MinimumTLS).
    type: str
    choices: ["1.0", "1.1", "1.2", "1.3"]
  max_tls:
    description:
      - Highest TLS version the client uses, instead of its C(MaximumTLS).
    type: str
    choices: ["1.0", "1.1", "1.2", "1.3"]
  ssl_ciphers:
    description:
      - The cipher suites the client offers (C(SSLCiphers)), instead of the one in its files.
    type: str
    choices: [ALL, COM, GOV]
  trust_add:
    description:
      - "Certificates (PEM content, one or more per entry) judged as if they were in the keystore,
        hash-linked: a what-if for a root or intermediate to be rolled out. Held in memory: nothing is
        written to the keystore."
    type: list
    elements: str
    default: []
  trust_remove:
    description:
      - "Keystore certificates judged as if they were removed, each a SHA-256 fingerprint (colons
        optional, as M(icaclient.linux.keystore_info) returns it) or the certificate itself (PEM).
        Held in memory: nothing is removed from the keystore."
    type: list
    elements: str
    default: []
  client_version:
    description:
      - The client's version, as in C(Ver.core) (V(23.9.0.24), V(13.10)) or as the release name
        (V(2309)), instead of the one in C(<icaroot>/pkginf/Ver.core.<platform>).
    type: str
  trust_system_store:
    description:
      - Whether the chain may also be trusted through the system store, as Workspace app 2309
        and later do by default.
      - V(auto) trusts it for clients 2309 and later, not for older ones; for an unknown version
        the keystore alone decides, with a warning that 2309+ clients also trust the system store.
      - A chain trusted only through the system store passes with a warning that clients before
        2309 fail it with error 61.
    type: str
    choices: [auto, "yes", "no"]
    default: auto
  system_store:
    description:
      - The folder of hashed certificates the endpoint's OpenSSL trusts. Defaults to OpenSSL's
        default certificate folder on the endpoint (C(SSL_CERT_DIR) when set).
    type: path
  timeout:
    description:
      - Seconds allowed for each phase of each probe (TCP connect, proxy handshake, TLS handshake),
        above 0 and at most 3600.
    type: float
    default: 5.0
  concurrency:
    description:
      - How many targets are probed at the same time (1 to 1024).
    type: int
    default: 32
  fail_on:
    description:
      - V(any) fails the task when any target fails (for compliance runs); V(never) reports
        failures in RV(results) only.
    type: str
    choices: [never, any]
    default: never
requirements:
  - cryptography
  - pyspnego (only for NTLM proxy authentication)
notes:
  - Supports check mode; the probe runs in check mode as well, since it changes nothing.
  - The host name check uses the target's name; give targets by the name the client uses.
seealso:
  - module: icaclient.linux.keystore_cert
  - module: icaclient.linux.client_ini
"""

EXAMPLES = r"""
- name: Probe the gateway and the ICA hosts the way the client would
  icaclient.linux.connection_probe:
    targets:
      - https://gateway.example.com
      - https://storefront.example.com/Citrix/Store
      - relay.example.com:8443
      - xa01.example.com:1494
  register: probe

- name: Fail a compliance run when any target would fail for the client
  icaclient.linux.connection_probe:
    targets: "{{ icaclient_probe_targets }}"
    fail_on: any

- name: Probe through an NTLM proxy with explicit credentials and the window 1.2-1.3
  icaclient.linux.connection_probe:
    targets: [https://gateway.example.com]
    proxy: http://proxy.example.com:3128
    proxy_auth: ntlm
    proxy_username: CORP\alice
    proxy_password: "{{ vault_proxy_password }}"
    min_tls: "1.2"
    max_tls: "1.3"

- name: What if the fleet moved to TLS 1.3 only, with the new root and without the old one?
  icaclient.linux.connection_probe:
    targets: [https://gateway.example.com]
    min_tls: "1.3"
    max_tls: "1.3"
    ssl_ciphers: GOV
    trust_add: ["{{ lookup('ansible.builtin.file', 'files/corp-root-2027.pem') }}"]
    trust_remove: ["AB:CD:...:EF"]

- name: Judge trust as a 2309 client does, with the endpoint's own system store
  icaclient.linux.connection_probe:
    targets: [https://gateway.example.com]
    client_version: "2309"
    trust_system_store: auto
    system_store: /etc/ssl/certs
"""

RETURN = r"""
results:
  description: One verdict per target, in the order of O(targets).
  returned: always
  type: list
  elements: dict
  contains:
    target:
      description: The target as given.
      type: str
      sample: https://gateway.example.com
    kind:
      description: V(https), V(relay), V(ica), V(cgp) or V(tcp).
      type: str
      sample: https
    ok:
      description: Whether the client would connect.
      type: bool
      sample: false
    client_error:
      description:
        - The error number the client would show (4, 47, 59, 60, 61, 62, 63, 64, 68, 70, 79, 81,
          84, 85), or the
          failure of the path (V(connect), V(timeout), V(proxy), V(proxy_auth)), V(verify) for
          another chain error, V(error) for a failure of the probe itself; null when RV(results[].ok).
      type: raw
      sample: 61
    message:
      description: What was found and, for a failure, what fixes it, in one sentence.
      type: str
      sample: "the client does not trust the issuer CN=Corp Root of CN=gateway.example.com: add the
        issuing root to /opt/Citrix/ICAClient/keystore/cacerts (...), then rehash"
    tls_versions_accepted:
      description: TLS versions the server accepted, each tried alone.
      type: list
      elements: str
      sample: ["1.2", "1.3"]
    tls_versions_refused:
      description: TLS versions the server refused.
      type: list
      elements: str
      sample: ["1.0", "1.1"]
    tls_versions_untested:
      description: Versions not tried (the local OpenSSL lacks them, or the server stopped answering).
      type: list
      elements: str
      sample: []
    tls_version:
      description: The version the client would negotiate (the highest accepted inside its window).
      type: str
      sample: "1.2"
    tls_window:
      description: The client's [MinimumTLS, MaximumTLS] the verdict used.
      type: list
      elements: str
      sample: ["1.0", "1.2"]
    trusted:
      description: Whether the chain verified against the stores the client trusts (null when no
        handshake got that far).
      type: bool
      sample: true
    trusted_by:
      description:
        - Through which store the chain is trusted, V(keystore) or V(system_store) (2309+ clients
          only; such a verdict warns that older clients fail it with 61); null when not trusted.
      type: str
      sample: keystore
    client_version:
      description: The client version the verdict assumed; null when unknown.
      type: str
      sample: 23.9.0.24
    subject:
      description: Subject of the server certificate.
      type: str
      sample: CN=gateway.example.com
    issuer:
      description: Issuer of the server certificate.
      type: str
      sample: CN=Corp Issuing CA
    not_after:
      description: Expiry of the server certificate (ISO 8601, UTC).
      type: str
      sample: "2027-03-01T12:00:00Z"
    days_left:
      description: Whole days until the server certificate expires (negative once expired).
      type: int
      sample: 92
    key_bits:
      description: Size of the server certificate's key.
      type: int
      sample: 2048
    key_type:
      description: Type of the server certificate's key.
      type: str
      sample: RSA
    chain:
      description:
        - The certificates the server presented, the leaf first (read even when the client would refuse
          the chain); empty when none was seen, the leaf alone when the host's Python (3.9) cannot give the rest.
      type: list
      elements: dict
      contains:
        subject:
          description: Subject (RFC 4514).
          type: str
        issuer:
          description: Issuer (RFC 4514).
          type: str
        fingerprint:
          description: SHA-256 fingerprint in colon hex, upper case.
          type: str
        not_after:
          description: Expiry in ISO 8601, UTC.
          type: str
        days_left:
          description: Whole days until expiry (negative once expired).
          type: int
    host:
      description: Host probed.
      type: str
      sample: gateway.example.com
    port:
      description: Port probed.
      type: int
      sample: 443
    path:
      description:
        - The network path taken, V(direct) or the proxy as a URL without credentials
          (V(direct (ProxyBypassList\)) when the target matches the client's bypass list).
      type: str
      sample: http://proxy.example.com:3128
    url_path:
      description: URL path of an V(https) target (kept for the report; not requested).
      type: str
      sample: /Citrix/Store
    warnings:
      description: Things that do not fail the target but deserve a look (a certificate close to expiry).
      type: list
      elements: str
      sample: []
    elapsed:
      description: Seconds the probe of this target took.
      type: float
      sample: 0.12
summary:
  description: Counts of targets.
  returned: always
  type: dict
  sample: {"total": 3, "passed": 2, "failed": 1}
settings:
  description:
    - The window and proxy the probe used, and where each came from. Never holds a password.
    - C(trust_changes) lists the keystore changes of O(trust_add) and O(trust_remove), judged in memory.
  returned: always
  type: dict
  sample:
    min_tls: "1.0"
    max_tls: "1.2"
    proxy: http://proxy.example.com:3128
    proxy_auth: auto
    proxy_username: alice
    sources: ["MinimumTLS=1.0 (client default)", "MaximumTLS=1.2 (client default)"]
    warnings: []
    ssl_ciphers: ALL
    client_version: 23.9.0.24
    client_version_source: /opt/Citrix/ICAClient/pkginf/Ver.core.linuxx64
    trust_system_store: true
    system_store: /usr/lib/ssl/certs
    trust_changes: ["add CN=Corp Root 2027 (sha256 AB:CD:...)"]
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._probe import (
    HAS_CRYPTOGRAPHY,
    NtlmUnavailableError,
    ProbeRequest,
    make_options,
    parse_target,
    prepare,
    probe_all,
    summarize,
    target_secrets,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            targets=dict(type="list", elements="str", required=True),
            icaroot=dict(type="path"),
            keystore=dict(type="path"),
            user_home=dict(type="path"),
            proxy=dict(type="str"),
            proxy_username=dict(type="str"),
            proxy_password=dict(type="str", no_log=True),
            proxy_auth=dict(type="str", choices=["auto", "none", "basic", "ntlm"]),
            min_tls=dict(type="str", choices=["1.0", "1.1", "1.2", "1.3"]),
            max_tls=dict(type="str", choices=["1.0", "1.1", "1.2", "1.3"]),
            ssl_ciphers=dict(type="str", choices=["ALL", "COM", "GOV"]),
            trust_add=dict(type="list", elements="str", default=[]),
            trust_remove=dict(type="list", elements="str", default=[]),
            client_version=dict(type="str"),
            trust_system_store=dict(type="str", choices=["auto", "yes", "no"], default="auto"),
            system_store=dict(type="path"),
            timeout=dict(type="float", default=5.0),
            concurrency=dict(type="int", default=32),
            fail_on=dict(type="str", choices=["never", "any"], default="never"),
        ),
        mutually_exclusive=[("icaroot", "keystore")],
        supports_check_mode=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"))
    params = module.params
    for text in params["targets"]:
        # A password written into a target must not reach the result or Ansible's logs.
        module.no_log_values.update(target_secrets(text))
    try:
        targets = [parse_target(text) for text in params["targets"]]
        options = make_options(ProbeRequest.from_mapping(params))
        prepare(options)
    except NtlmUnavailableError as exc:
        module.fail_json(msg=missing_required_lib(exc.library, reason="NTLM proxy authentication"))
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    try:
        results = probe_all(targets, options=options)
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, exception=traceback.format_exc(), **exc.details)
    report = [result.as_dict() for result in results]
    summary = summarize(results)
    outcome = dict(changed=False, results=report, summary=summary, settings=options.settings.as_dict())
    if params["fail_on"] == "any" and summary["failed"]:
        first = next(result for result in results if not result.ok)
        module.fail_json(
            msg=f"{summary['failed']} of {summary['total']} targets fail for the client; first: "
            f"{first.target}: {first.client_error}: {first.message}",
            **outcome,
        )
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()

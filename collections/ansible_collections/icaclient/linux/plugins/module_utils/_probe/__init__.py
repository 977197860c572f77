# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The connection prober: walk the path the client would take and say what it would say.

One engine, two faces (the ``connection_probe`` module and the ``icaprobe`` CLI).
For each target:

1. the path: direct, or through the proxy the client is configured with (or an
   explicit one): SOCKS4, SOCKS5, HTTP CONNECT (:mod:`.path`);
2. for TLS targets, one handshake per TLS version, each version alone, judged
   against the client's [MinimumTLS, MaximumTLS] window; the first handshake that
   reaches the server's certificate also verifies it against the ICA keystore
   (:mod:`.tls`), so trust costs no extra handshake in the common case;
3. a verdict: ``ok``, the client's error number (or a failure name for the
   path), and one sentence saying what is wrong and what fixes it.

Verdict order (the first that applies): the path (``connect``, ``timeout``,
``proxy``, ``proxy_auth``), no TLS at all (47 or ``timeout``), no accepted
version inside the window (47), the chain (61, 62, 63, 60, 64, 70, 59 or
``verify``), a key over 4096 bits (79).

A handshake that times out ends the probe of that target (a server that does
not answer one version will not answer the next); versions not tried then are
listed in ``tls_versions_untested``.

Targets run on a thread pool with a bounded submission window: at most
``2 * concurrency`` targets are in flight or waiting, results are yielded as
they complete, and the target iterable is consumed lazily, so memory does not
grow with the number of targets.

Layout: :mod:`.target` (what the user typed), :mod:`.options` (a run's options and
trust plan), :mod:`.settings` (the client's own files), :mod:`.proxy`, :mod:`.path` and
:mod:`.http_connect` (the network path), :mod:`.tls` (handshakes), :mod:`.handshakes` (the
handshakes beyond a target's first), :mod:`.trust`
(certificates and the keystore), :mod:`.verdict` (the result and its sentences) and
:mod:`.run` (the pool and the order of the checks).
"""

from __future__ import annotations

from .options import MAX_CONCURRENCY, MAX_TIMEOUT, ProbeOptions, ProbeRequest, make_options, prepare
from .proxy import NtlmUnavailableError
from .run import iter_probes, probe_all, probe_target
from .target import Target, parse_target, shown_target, target_secrets
from .trust import HAS_CRYPTOGRAPHY
from .verdict import ProbeResult, summarize

__all__ = [
    "HAS_CRYPTOGRAPHY",
    "MAX_CONCURRENCY",
    "MAX_TIMEOUT",
    "NtlmUnavailableError",
    "ProbeOptions",
    "ProbeRequest",
    "ProbeResult",
    "Target",
    "iter_probes",
    "make_options",
    "parse_target",
    "prepare",
    "probe_all",
    "probe_target",
    "shown_target",
    "summarize",
    "target_secrets",
]

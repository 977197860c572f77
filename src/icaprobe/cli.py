"""The ``icaprobe`` command: a table for people, JSON for machines, exit codes for CI.

Exit codes: 0 every target passes, 1 any target fails, 2 usage or setup errors
(bad arguments, a target that cannot be parsed, a missing keystore, a client
setting the client could not use either), 130 interrupted.

Proxy credentials never come from argv (visible to every user in ``ps`` and
``/proc/PID/cmdline``): the password is read from ``ICAPROBE_PROXY_PASSWORD``
or from a file (``--proxy-credentials FILE``, one ``user:password`` line); the
user name may also come from ``--proxy-user`` or ``ICAPROBE_PROXY_USER``.
Nothing the command prints holds the password.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
import time
from collections.abc import Sequence
from typing import Optional, TextIO

from icaprobe._engine._display import escape_controls
from icaprobe._engine._errors import IcaClientError
from icaprobe._engine._probe import (
    MAX_CONCURRENCY,
    NtlmUnavailableError,
    ProbeRequest,
    ProbeResult,
    Target,
    iter_probes,
    make_options,
    parse_target,
    prepare,
    summarize,
)
from icaprobe._engine._x509.certs import load_certificates

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
JSON_SCHEMA = "icaprobe/1"
#: The progress bar shows on a terminal for runs longer than this many targets.
PROGRESS_MIN_TARGETS = 10
ENV_USER = "ICAPROBE_PROXY_USER"
ENV_PASSWORD = "ICAPROBE_PROXY_PASSWORD"

_EPILOG = f"""\
targets:
  https://HOST[:PORT][/PATH]   NetScaler Gateway or StoreFront (TLS)
  HOST[:PORT]                  SSL Relay (TLS, port 443 by default)
  HOST:1494, HOST:2598         ICA, CGP: TCP reachability only
  ica://HOST[:PORT], cgp://HOST[:PORT], tcp://HOST:PORT, ssl://HOST[:PORT]

proxy credentials (never on the command line):
  {ENV_USER}, {ENV_PASSWORD}   environment
  --proxy-credentials FILE      one line user:password (keep it mode 0600)

exit codes: 0 all targets pass, 1 any fails, 2 usage or setup error.
JSON schema: docs/icaprobe.md.
"""


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="icaprobe",
        description="Probe, from this machine, the connections the Citrix Workspace app would make: the "
        "proxy path, the TLS versions against the client's window, and the chain against the client's "
        "keystore; report the error number the client would show and the fix.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--icaroot", metavar="DIR", help="the client's install folder (default /opt/Citrix/ICAClient)"
    )
    where.add_argument(
        "--keystore", metavar="DIR", help="a folder holding cacerts/ and intcerts/, instead of a client"
    )
    parser.add_argument("--user-home", metavar="DIR", help="home whose ~/.ICAClient/wfclient.ini applies")
    parser.add_argument("--min-tls", metavar="V", help="MinimumTLS to judge against (1.0, 1.1, 1.2, 1.3)")
    parser.add_argument("--max-tls", metavar="V", help="MaximumTLS to judge against")
    parser.add_argument(
        "--client-version",
        metavar="V",
        help="the client's version (23.9.0.24 or 2309), instead of ICAROOT/pkginf/Ver.core.*",
    )
    parser.add_argument(
        "--trust-system-store",
        choices=["auto", "yes", "no"],
        default="auto",
        help="also trust the system store: auto (default) for clients 2309 and later",
    )
    parser.add_argument(
        "--system-store",
        metavar="DIR",
        help="the system store's folder (default: OpenSSL's certificate folder)",
    )
    whatif = parser.add_argument_group(
        "what-if (judged in memory: nothing on this machine changes)",
        "the verdicts the client would give with these settings or keystore changes",
    )
    whatif.add_argument(
        "--ssl-ciphers",
        choices=["ALL", "COM", "GOV"],
        type=str.upper,
        help="SSLCiphers to judge against, instead of the client's",
    )
    whatif.add_argument(
        "--trust-add",
        action="append",
        default=[],
        metavar="FILE",
        help="a certificate file (PEM or DER, bundles split) the keystore would gain; repeatable",
    )
    whatif.add_argument(
        "--trust-remove",
        action="append",
        default=[],
        metavar="FINGERPRINT|FILE",
        help="a keystore certificate it would lose: its SHA-256 fingerprint or a PEM file; repeatable",
    )
    parser.add_argument(
        "--proxy", metavar="URL", help="socks4://H:P, socks5://H:P, http://H:P (CONNECT), or 'direct'"
    )
    parser.add_argument(
        "--proxy-auth", choices=["auto", "none", "basic", "ntlm"], help="HTTP proxy authentication"
    )
    parser.add_argument("--proxy-user", metavar="USER", help=f"proxy user name (or {ENV_USER})")
    parser.add_argument("--proxy-credentials", metavar="FILE", help="file with one line user:password")
    # Accepted only to refuse it without echoing the value (argparse would print it back).
    parser.add_argument("--proxy-password", nargs="?", const="", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--json", action="store_true", help="print JSON (schema icaprobe/1) instead of a table"
    )
    parser.add_argument(
        "--timeout", type=float, default=5.0, metavar="S", help="seconds per phase (default 5)"
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=32,
        metavar="N",
        help=f"targets at a time (1-{MAX_CONCURRENCY}, default 32)",
    )
    parser.add_argument(
        "-f", "--targets-file", metavar="FILE", help="read targets from FILE, one per line ('-': stdin)"
    )
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument(
        "--progress", dest="progress", action="store_true", default=None, help="always show progress"
    )
    progress.add_argument("--no-progress", dest="progress", action="store_false", help="never show progress")
    parser.add_argument("targets", nargs="*", metavar="TARGET")
    return parser


def read_credentials_file(path: str, *, warn: TextIO) -> tuple[str, str]:
    """``(user, password)`` from the first non-blank, non-comment line ``user:password``."""
    try:
        with open(path, encoding="utf-8") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            lines = handle.read(64 * 1024).splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read the proxy credentials file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"the proxy credentials file {path} is not UTF-8 text") from None
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warn.write(f"icaprobe: warning: {path} is readable by other users; make it mode 0600\n")
    for line in lines:
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        user, colon, password = text.partition(":")
        if not colon or not user:
            raise UsageError(f"the proxy credentials file {path} must hold one line user:password")
        return user, password
    raise UsageError(f"the proxy credentials file {path} holds no user:password line")


def _certificate_file(path: str, *, what: str) -> str:
    """The content of a certificate file, as the engine takes it (bytes kept as they are)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(1024 * 1024 + 1)
    except OSError as exc:
        raise UsageError(f"cannot read the certificate to {what} {path}: {exc.strerror}") from None
    if len(data) > 1024 * 1024:
        raise UsageError(f"cannot read the certificate to {what} {path}: larger than 1 MiB")
    try:  # read here as the engine will, so that the message names the file
        load_certificates(data)
    except IcaClientError as exc:
        raise UsageError(f"cannot read the certificate to {what} {path}: {exc.message}") from None
    return data.decode("utf-8", "surrogateescape")


def _removal(value: str) -> str:
    """A fingerprint as given, or the content of the file it names."""
    return _certificate_file(value, what="remove") if os.path.isfile(value) else value


def _targets(args: argparse.Namespace, stdin: TextIO) -> list[Target]:
    texts = list(args.targets)
    if args.targets_file:
        try:
            if args.targets_file == "-":
                lines = stdin.read().splitlines()
            else:
                with open(args.targets_file, encoding="utf-8") as handle:
                    lines = handle.read().splitlines()
        except OSError as exc:
            raise UsageError(f"cannot read the targets file {args.targets_file}: {exc.strerror}") from None
        texts += [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    if not texts:
        raise UsageError("no target given")
    try:
        return [parse_target(text) for text in texts]
    except IcaClientError as exc:
        raise UsageError(exc.message) from None


class Progress:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.stream = stream
        self.done = 0
        self.failed = 0
        self._drawn = 0.0
        self._width = 0

    def step(self, result: ProbeResult) -> None:
        self.done += 1
        self.failed += 0 if result.ok else 1
        now = time.monotonic()
        if now - self._drawn >= 0.1 or self.done == self.total:
            self._drawn = now
            filled = int(30 * self.done / self.total)
            line = f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} probed, {self.failed} failing"
            self._width = max(self._width, len(line))
            self.stream.write(line)
            self.stream.flush()

    def close(self) -> None:
        if self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()


_TRUSTED_BY = {"keystore": "keystore", "system_store": "system store"}


def _cell(value: object) -> str:
    return "-" if value is None or value == [] else escape_controls(str(value))


def render_table(results: Sequence[ProbeResult], settings: dict, summary: dict) -> str:
    rows = [("TARGET", "RESULT", "ERROR", "TLS ACCEPTED", "DAYS", "KEY", "TRUSTED BY")]
    for result in results:
        key = f"{result.key_type} {result.key_bits}" if result.key_bits else None
        tls = " ".join(result.tls_versions_accepted) if result.kind in ("https", "relay") else "(tcp)"
        rows.append(
            (
                escape_controls(result.target if len(result.target) <= 60 else result.target[:57] + "..."),
                "ok" if result.ok else "FAIL",
                _cell(result.client_error),
                tls or "none",
                _cell(result.days_left),
                _cell(key),
                _TRUSTED_BY.get(result.trusted_by, "-") if result.trusted is not False else "not trusted",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[column]) for column, cell in enumerate(row)).rstrip())
        if number == 0:
            continue
        result = results[number - 1]
        if not result.ok or result.trusted_by == "system_store":
            lines.append(f"    {escape_controls(result.message)}")
        for warning in result.warnings:
            if warning not in settings.get("warnings", []):
                lines.append(f"    warning: {escape_controls(warning)}")
    window = f"TLS window {settings['min_tls']}-{settings['max_tls']}"
    path = f"proxy {settings['proxy']}" if settings.get("proxy") else "direct"
    version = f"client {settings.get('client_version') or 'version unknown'}"
    stores = "keystore + system store" if settings.get("trust_system_store") else "keystore only"
    # The default (ALL) goes unsaid, as in the client's own files.
    ciphers = (
        f", SSLCiphers={settings['ssl_ciphers']}" if settings.get("ssl_ciphers") not in (None, "ALL") else ""
    )
    lines.append("")
    for change in settings.get("trust_changes") or []:
        lines.append(f"what-if: {escape_controls(change)} (judged in memory, the keystore is unchanged)")
    for warning in settings.get("warnings", []):
        lines.append(f"warning: {escape_controls(warning)}")
    lines.append(
        f"{summary['total']} targets ({window}{ciphers}, {path}, {version}, trust: {stores}): "
        f"{summary['passed']} pass, {summary['failed']} fail"
    )
    return "\n".join(lines) + "\n"


def main(
    argv: Optional[Sequence[str]] = None,
    *,
    environ: Optional[dict] = None,
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
    stdin: Optional[TextIO] = None,
) -> int:
    environ = dict(os.environ if environ is None else environ)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    stdin = stdin or sys.stdin
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.proxy_password is not None:
            raise UsageError(
                "--proxy-password is not accepted: a password on the command line is visible to every user "
                f"(ps, /proc); use {ENV_PASSWORD} or --proxy-credentials FILE"
            )
        targets = _targets(args, stdin)
        user = environ.get(ENV_USER) or None
        password = environ.get(ENV_PASSWORD) or None
        if args.proxy_credentials:
            user, password = read_credentials_file(args.proxy_credentials, warn=stderr)
        if args.proxy_user:
            user = args.proxy_user
        request = ProbeRequest.from_mapping(
            {
                **vars(args),
                "proxy_username": user,
                "proxy_password": password,
                "trust_add": [_certificate_file(path, what="add") for path in args.trust_add],
                "trust_remove": [_removal(value) for value in args.trust_remove],
            }
        )
        options = make_options(request)
        contexts = prepare(options)
    except UsageError as exc:
        stderr.write(f"{parser.format_usage()}icaprobe: error: {exc}\n")
        return EXIT_USAGE
    except NtlmUnavailableError as exc:
        stderr.write(f"icaprobe: error: {exc.message} (pip install pyspnego)\n")
        return EXIT_USAGE
    except IcaClientError as exc:
        stderr.write(f"icaprobe: error: {exc.message}\n")
        return EXIT_USAGE

    show_progress = args.progress
    if show_progress is None:
        show_progress = stderr.isatty() and len(targets) > PROGRESS_MIN_TARGETS
    progress = Progress(len(targets), stderr) if show_progress else None
    results: list[ProbeResult] = []
    try:
        for result in iter_probes(targets, options=options, contexts=contexts):
            results.append(result)
            if progress is not None:
                progress.step(result)
    except KeyboardInterrupt:
        if progress is not None:
            progress.close()
        stderr.write("icaprobe: interrupted\n")
        return EXIT_INTERRUPTED
    if progress is not None:
        progress.close()
    results.sort(key=lambda result: result.index)
    summary = summarize(results)
    settings = options.settings.as_dict()
    if args.json:
        document = {
            "schema": JSON_SCHEMA,
            "settings": settings,
            "summary": summary,
            "results": [result.as_dict() for result in results],
        }
        json.dump(document, stdout, indent=2)
        stdout.write("\n")
    else:
        stdout.write(render_table(results, settings, summary))
    stdout.flush()
    return EXIT_OK if summary["failed"] == 0 else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

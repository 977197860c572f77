# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""What one file is to ``openssl rehash``: a certificate or CRL of some hash, or skipped (and why).

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

import os
import stat
from typing import Optional

from .._errors import IcaClientError
from .._x509.der import TAG_SEQUENCE, expect, first_element, read_header
from .._x509.pem import PemBlock, pem_blocks_with_headers, single_plain_block
from .._x509.subject_hash import NameHasher
from .links import KIND_CERT, KIND_CRL

_CERT_LABELS = frozenset(("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"))
_PLAIN_CERT_LABELS = frozenset(("CERTIFICATE", "X509 CERTIFICATE"))
_CRL_LABEL = "X509 CRL"
_READ_CHUNK = 1 << 16


class NotLoadable(Exception):
    """A file that is not loaded (not a regular file, too large, not one certificate); the message says why."""


class NotAFile(NotLoadable):
    """A name that leads to no regular file: dangling, a folder, a device, a FIFO, a socket."""


_Skip = NotLoadable

_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
)
_KINDS = (
    (stat.S_ISDIR, "folder"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
)


def _what(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "special file")


def read_regular_file(path: str, *, limit: int, is_link: Optional[bool] = None) -> bytes:
    """The bytes of the regular file ``path`` leads to (through any chain of links), at most ``limit``.

    Nothing but a regular file is ever opened, and its size is checked before
    it is read. Raises :class:`NotLoadable` naming what ``path`` is instead: a
    dangling link, a link to a folder, a device, a FIFO, a socket, a file too
    large. ``is_link`` saves a system call when the caller knows it.
    """
    if is_link is None:
        is_link = os.path.islink(path)
    if is_link:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise NotAFile(f"a dangling link (to {_readlink(path)})") from None
        except OSError as exc:
            raise NotLoadable(
                f"a link that cannot be followed (to {_readlink(path)}): {exc.strerror}"
            ) from exc
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(f"a link to a {_what(info.st_mode)} ({os.path.realpath(path)}), not to a file")
    try:
        fd = os.open(path, _OPEN_FLAGS | (0 if is_link else getattr(os, "O_NOFOLLOW", 0)))
    except OSError as exc:
        raise NotLoadable(f"cannot read it: {exc.strerror}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(f"a {_what(info.st_mode)}, not a file")
        if info.st_size > limit:
            raise NotLoadable(f"larger than {_size(limit)} ({info.st_size} bytes): not a certificate file")
        try:
            # a regular file returns what was asked up to its end: a short read is the end
            want = info.st_size + 1
            data = os.read(fd, want)
            if len(data) == want:  # it grew since fstat
                chunks = [data]
                while len(data) <= limit:
                    chunk = os.read(fd, _READ_CHUNK)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    data = b"".join(chunks)
        except OSError as exc:
            raise NotLoadable(f"cannot read it: {exc.strerror}") from exc
        if len(data) > limit:  # it grew since fstat
            raise NotLoadable(f"larger than {_size(limit)}: not a certificate file")
        return data
    finally:
        os.close(fd)


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 and not limit % (1 << 20) else f"{limit} bytes"


def _first_der(block: PemBlock) -> bytes:
    """The certificate or CRL in a block, as OpenSSL's d2i reads it (the first element)."""
    if block.headers:
        # OpenSSL accepts only Proc-Type headers, i.e. encryption, which certificates never carry
        raise _Skip(f"its {block.label} block has PEM headers")
    try:
        der, rest = first_element(block.der)
        if rest and block.label == "TRUSTED CERTIFICATE":
            # the trust settings that follow the certificate must parse as well
            tag, _start, stop = read_header(rest, 0, len(rest))
            if tag != TAG_SEQUENCE or stop != len(rest):
                raise _Skip("its trust settings are not a single DER SEQUENCE")
    except IcaClientError as exc:
        raise _Skip(f"OpenSSL cannot load it: {exc.message}") from exc
    return der


def _identify(data: bytes, hasher: NameHasher) -> tuple[str, str, bytes]:
    """(kind, hash, DER) of the one certificate or CRL in a file, as openssl rehash reads it.

    Follows ``PEM_X509_INFO_read_bio``: a certificate, a CRL and a private key
    may share one "info" (a new one starts when the slot is taken), every block
    must load, and the file is linked only when there is exactly one info; a
    certificate wins over a CRL in the same info.
    """
    # The usual file, one plain PEM certificate, skips the general bookkeeping below;
    # anything else, and any error, takes the general path (which explains errors)
    try:
        block = single_plain_block(data)
        if block is not None and block.label in _PLAIN_CERT_LABELS:
            der = block.der
            if expect(der, 0, len(der), TAG_SEQUENCE, "certificate")[1] == len(der):
                return KIND_CERT, hasher.certificate(der), der
    except IcaClientError:
        pass
    try:
        blocks = pem_blocks_with_headers(data)
    except IcaClientError as exc:
        raise _Skip(f"OpenSSL cannot read it: {exc.message}") from exc
    # each info: [certificate (hash, DER), CRL (hash, DER), private key]
    infos: list[list] = []
    current: list = [None, None, None]
    for block in blocks:
        label = block.label
        if label in _CERT_LABELS:
            slot = 0
        elif label == _CRL_LABEL:
            slot = 1
        elif label == "PRIVATE KEY" or label.endswith(" PRIVATE KEY"):
            slot = 2
        else:
            continue  # OpenSSL ignores blocks of other kinds
        if current[slot] is not None:
            infos.append(current)
            current = [None, None, None]
        if slot == 2:
            _check_key(block)
            current[2] = True
            continue
        der = _first_der(block)
        try:
            current[slot] = (hasher.certificate(der) if slot == 0 else hasher.crl(der), der)
        except IcaClientError as exc:
            raise _Skip(f"OpenSSL cannot load it: {exc.message}") from exc
    if current != [None, None, None]:
        infos.append(current)
    if len(infos) != 1:
        raise _Skip(f"it does not contain exactly one certificate or CRL ({len(infos)} found)")
    certificate, crl, _key = infos[0]
    if certificate is not None:
        return KIND_CERT, certificate[0], certificate[1]
    if crl is not None:
        return KIND_CRL, crl[0], crl[1]
    raise _Skip("it holds a private key and no certificate or CRL")


def _check_key(block: PemBlock) -> None:
    """OpenSSL decodes an unencrypted private key beside a certificate: it must at least be DER."""
    if block.headers:
        return  # a legacy encrypted key: OpenSSL keeps it undecoded
    try:
        tag, _start, _stop = read_header(block.der, 0, len(block.der))
    except IcaClientError as exc:
        raise _Skip(f"OpenSSL cannot load its private key: {exc.message}") from exc
    if tag != TAG_SEQUENCE:
        raise _Skip("OpenSSL cannot load its private key: it is not a DER SEQUENCE")

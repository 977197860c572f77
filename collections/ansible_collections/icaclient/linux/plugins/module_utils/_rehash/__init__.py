# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The hash links of one CA folder, made exactly as ``openssl rehash DIR`` (OpenSSL 3.0) makes them.

PRIVATE: this is not a public API of the collection.

OpenSSL (and the Citrix client, through its ``ctx_rehash``) finds a CA in a
folder by the subject hash: ``HHHHHHHH.N`` for certificates, ``HHHHHHHH.rN``
for CRLs, symbolic links whose targets are bare file names in the folder.
What ``openssl rehash`` does, and so what we do:

* it reads files ending ``.pem``, ``.crt``, ``.cer`` or ``.crl`` (any case),
  walked in byte order of their names;
* a file must be PEM holding exactly one certificate or CRL (a private key
  beside it is tolerated); others are skipped with a warning (bundles, DER);
* a certificate byte-identical to one already seen is skipped;
* per hash the links are numbered from 0; an existing correct link keeps its
  number, new ones take the lowest free number, unneeded hash links go.

Where we deliberately do better than ``openssl rehash`` 3.0:

* it keeps a wrong link (dangling, or to a file that is not a certificate of
  that hash) whose number is below the count needed, and numbers the right
  link after it; we replace it;
* it leaves a second, higher-numbered link to a file that is already linked
  (and all but one of several stale links to the same missing file); we
  remove them;
* it removes a hash link that points outside the folder even when it is the
  client's only way to a certificate of that hash; we keep such a link (a
  warning names it) when it reaches a regular file holding a certificate or
  CRL of the hash its name says, and it keeps its number. Any other hash link
  is judged as ``openssl rehash`` judges it: by its target's name;
* it treats ``ABCDEF01.0`` or ``abcdef01.00`` as valid links; OpenSSL's
  lookups only ever open ``abcdef01.0``, so we replace such names;
* it overwrites a regular file that carries a hash link name; we leave it
  and skip its number (warning);
* it refuses to start on a folder it cannot write; we only need to write
  when a link changes (a no-change run reads and writes nothing), and a
  replaced link is swapped atomically instead of unlinked and re-created;
* it says nothing about files OpenSSL cannot load; we warn;
* it opens whatever a name leads to (a FIFO blocks it, ``/dev/zero`` never
  ends); we read through links as it does (a certificate file may be a link
  anywhere, through any chain of links) but only ever open a regular file,
  no larger than :data:`MAX_REHASH_BYTES`, and never write through a link.

:func:`plan_rehash` is the one rule for which hash links are right: the
rehash applies it, :mod:`.._keystore`'s audit and ``keystore_cert``'s check
mode ask it (the latter with the predicted files as an ``overlay``).

Speed: no ``cryptography`` here. The subject hash is computed from the raw
DER (see :mod:`.._x509.subject_hash`), the folder is listed once with
``os.scandir``, and a big folder (thousands of files) is read by up to four
processes while CPUs are idle, each taking a run of the sorted names (the
result does not depend on how the work is split; a process that cannot start
leaves its share to the parent).

Layout: :mod:`.links` (link names, the plan and the result), :mod:`.identify` (what one
file is), :mod:`.scan` (reading a folder, in parallel when it is big), :mod:`.plan`
(:func:`plan_rehash`) and :mod:`.apply` (making the links; ``ctx_rehash``; both folders).
"""

from __future__ import annotations

from .apply import (
    KEYSTORE_FOLDERS,
    FolderRehash,
    apply_rehash,
    find_ctx_rehash,
    format_links,
    keystore_folders,
    rehash,
    rehash_keystore,
    rehash_with_ctx_rehash,
)
from .identify import NotAFile, NotLoadable, read_regular_file
from .links import MAX_REHASH_BYTES, REHASH_EXTENSIONS, HashLink, RehashPlan, RehashResult, hash_link_name
from .plan import plan_rehash

__all__ = [
    "KEYSTORE_FOLDERS",
    "MAX_REHASH_BYTES",
    "REHASH_EXTENSIONS",
    "FolderRehash",
    "HashLink",
    "NotAFile",
    "NotLoadable",
    "RehashPlan",
    "RehashResult",
    "apply_rehash",
    "find_ctx_rehash",
    "format_links",
    "hash_link_name",
    "keystore_folders",
    "plan_rehash",
    "read_regular_file",
    "rehash",
    "rehash_keystore",
    "rehash_with_ctx_rehash",
]

"""What the compliance suite knows about an endpoint: its Ansible variables and its files.

The expected state of an endpoint is what its inventory asks the roles for, so the
suite reads the same variables the roles read: the host's inventory variables
(host_vars, group_vars, the inventory file itself) over the roles' ``defaults``,
templated by Ansible itself. testinfra's ``host.ansible.get_variables()`` returns the
raw inventory (``"{{ icaclient_icaroot }}/..."`` untemplated, no role defaults), which
is why the variables are resolved here with Ansible's own inventory and templating.

Which parts of the suite apply to a host is an inventory variable too:
``icaclient_compliance_areas`` (default: every area). A test of an area the host leaves
out, or of a feature its variables switch off, is skipped with a reason that starts
with ``not configured for this host``; it never passes without checking anything.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7

from ansible_collections.icaclient.linux.plugins.module_utils._ini.document import IniDocument, parse

REPO = Path(__file__).resolve().parents[2]
ROLES = REPO / "roles"

AREAS = ("keystore", "config", "users", "smartcard", "stores")
NOT_CONFIGURED = "not configured for this host"
DEFAULT_ICAROOT = "/opt/Citrix/ICAClient"


def not_configured(why: str) -> None:
    """Skip the calling test: the host's variables switch this feature off."""
    pytest.skip(f"{NOT_CONFIGURED}: {why}")


# -- Ansible variables -------------------------------------------------------------------------


class HostVariables:
    """One host's variables as a play of our roles sees them: inventory over role defaults.

    Values are templated on access (``get``), so a variable the suite does not need is
    never evaluated (a lookup or a vaulted value elsewhere in the inventory is left alone).
    """

    def __init__(self, inventory: Optional[str], hostname: str) -> None:
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader
        from ansible.template import Templar
        from ansible.vars.manager import VariableManager

        loader = DataLoader()
        manager = InventoryManager(loader=loader, sources=[inventory] if inventory else None)
        host = manager.get_host(hostname)
        if host is None:
            raise LookupError(f"host {hostname} is not in the inventory {inventory or '(default)'}")
        self.name = hostname
        self.inventory = inventory
        self._inventory_vars: dict[str, Any] = dict(
            VariableManager(loader=loader, inventory=manager).get_vars(host=host, include_hostvars=False)
        )
        self._defaults = _role_defaults(loader)
        self._all = {**self._defaults, **self._inventory_vars}
        self._templar = Templar(loader=loader, variables=self._all)

    def __contains__(self, name: str) -> bool:
        return name in self._all

    def in_inventory(self, name: str) -> bool:
        """True when the inventory sets ``name`` (not only a role default)."""
        return name in self._inventory_vars

    def get(self, name: str, default: Any = None) -> Any:
        if name not in self._all:
            return default
        return self._templar.template(self._all[name])

    def require(self, name: str) -> Any:
        if name not in self._all:
            raise KeyError(f"{self.name}: the variable {name} is not set in the inventory or a role default")
        return self.get(name)


def _role_defaults(loader: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted(ROLES.glob("*/defaults/main.yml")):
        try:
            data = loader.load_from_file(str(path), trusted_as_template=True)
        except TypeError:  # ansible-core before 2.19 trusts every file it loads
            data = loader.load_from_file(str(path))
        merged.update(data or {})
    return merged


@dataclass
class Endpoint:
    """The host under test and what its inventory expects of it."""

    name: str
    vars: HostVariables
    areas: tuple[str, ...]

    def require_area(self, area: str) -> None:
        if area not in self.areas:
            not_configured(f"icaclient_compliance_areas of {self.name} leaves out {area}")

    def icaroot_for(self, role: str) -> str:
        """The ICAROOT a role uses on this host: its own variable, else icaclient_icaroot, else its default."""
        own = f"{role}_icaroot"
        if self.vars.in_inventory(own):
            return str(self.vars.get(own))
        if self.vars.in_inventory("icaclient_icaroot"):
            return str(self.vars.get("icaclient_icaroot"))
        return str(self.vars.get(own, DEFAULT_ICAROOT))


def make_endpoint(inventory: Optional[str], hostname: str) -> Endpoint:
    variables = _cached_variables(inventory, hostname)
    areas = variables.get("icaclient_compliance_areas", list(AREAS))
    if isinstance(areas, str) or not isinstance(areas, Iterable):
        raise TypeError(f"{hostname}: icaclient_compliance_areas must be a list of {', '.join(AREAS)}")
    unknown = sorted(set(areas) - set(AREAS))
    if unknown:
        raise ValueError(
            f"{hostname}: icaclient_compliance_areas names unknown areas {unknown}; known: {', '.join(AREAS)}"
        )
    return Endpoint(name=hostname, vars=variables, areas=tuple(areas))


@functools.cache
def _cached_variables(inventory: Optional[str], hostname: str) -> HostVariables:
    return HostVariables(inventory, hostname)


# -- files on the host -------------------------------------------------------------------------


def read_ini(host: Any, path: str) -> Optional[IniDocument]:
    """The ini file at ``path`` on the host, parsed as the client reads it; None when absent."""
    handle = host.file(path)
    if not handle.exists:
        return None
    return parse(handle.content, source=path)


def region_profiles(host: Any, config_dir: str) -> list[str]:
    """The region lockdown profiles (not All_Regions.ini) in ``config_dir``, singular and plural names."""
    listing = host.run("ls -1A -- %s", config_dir)
    if listing.rc != 0:
        return []
    return sorted(
        f"{config_dir}/{name}"
        for name in listing.stdout.splitlines()
        if re.fullmatch(r"[A-Za-z]+_Regions?\.ini", name) and name.lower() != "all_regions.ini"
    )


def user_home(host: Any, user: str) -> str:
    entry = host.user(user)
    assert entry.exists, f"user {user} does not exist on the host"
    return str(entry.home)


# -- keystore listing --------------------------------------------------------------------------

# One pass over the keystore folders on the host with its own openssl: for every regular
# file the number of PEM certificates in it, its subject hash, SHA-256 fingerprint, expiry,
# start date, key size and mode; for every symbolic link its target and whether it resolves.
KEYSTORE_LISTING = r"""
for dir in "$@"; do
  if [ ! -d "$dir" ]; then printf 'missing\t%s\n' "$dir"; continue; fi
  printf 'dir\t%s\t%s\n' "$dir" "$(stat -c %a -- "$dir")"
  for path in "$dir"/* "$dir"/.[!.]*; do
    [ -e "$path" ] || [ -L "$path" ] || continue
    name=${path##*/}
    if [ -L "$path" ]; then
      if [ -e "$path" ]; then state=ok; else state=dangling; fi
      printf 'link\t%s\t%s\t%s\t%s\n' "$dir" "$name" "$(readlink -- "$path")" "$state"
    elif [ -f "$path" ]; then
      blocks=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$path")
      hash=$(openssl x509 -noout -hash -in "$path" 2>/dev/null) || hash=-
      if [ "$hash" = - ]; then
        printf 'file\t%s\t%s\t%s\t-\t-\t-\t-\t-\t%s\n' "$dir" "$name" "$blocks" "$(stat -c %a -- "$path")"
        continue
      fi
      fingerprint=$(openssl x509 -noout -fingerprint -sha256 -in "$path" | sed 's/^[^=]*=//')
      if openssl x509 -noout -checkend 0 -in "$path" >/dev/null; then expired=no; else expired=yes; fi
      start=$(openssl x509 -noout -startdate -in "$path" | sed 's/^notBefore=//')
      bits=$(openssl x509 -noout -text -in "$path" | sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p' | head -n 1)
      printf 'file\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$dir" "$name" "$blocks" "$hash" \
        "$fingerprint" "$expired" "$start" "${bits:--}" "$(stat -c %a -- "$path")"
    fi
  done
done
"""

HASH_LINK = re.compile(r"^([0-9a-f]{8})\.(\d+)$")
# The files openssl rehash (and the client's ctx_rehash) consider.
REHASH_SUFFIXES = (".pem", ".crt", ".cer", ".crl")


@dataclass
class CertFile:
    folder: str
    name: str
    blocks: int
    hash: Optional[str]
    fingerprint: Optional[str]
    expired: Optional[bool]
    not_before: Optional[datetime.datetime]
    bits: Optional[int]
    mode: int

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}"


@dataclass
class HashLink:
    folder: str
    name: str
    target: str
    resolves: bool

    @property
    def path(self) -> str:
        return f"{self.folder}/{self.name}"


@dataclass
class KeystoreFolder:
    path: str
    exists: bool
    mode: int = 0
    files: list[CertFile] = field(default_factory=list)
    links: list[HashLink] = field(default_factory=list)

    def file(self, name: str) -> Optional[CertFile]:
        return next((item for item in self.files if item.name == name), None)

    @property
    def fingerprints(self) -> set[str]:
        return {item.fingerprint for item in self.files if item.fingerprint}


def _openssl_date(text: str) -> Optional[datetime.datetime]:
    """``Nov 27 00:37:05 2025 GMT`` (openssl's notBefore form) as an aware datetime."""
    text = " ".join(text.split())
    try:
        parsed = datetime.datetime.strptime(text, "%b %d %H:%M:%S %Y GMT")
    except ValueError:
        return None
    return parsed.replace(tzinfo=datetime.timezone.utc)


def parse_keystore_listing(stdout: str, folders: Iterable[str]) -> dict[str, KeystoreFolder]:
    result = {path: KeystoreFolder(path=path, exists=True) for path in folders}
    for line in stdout.splitlines():
        fields = line.split("\t")
        kind = fields[0]
        if kind == "missing":
            result[fields[1]].exists = False
        elif kind == "dir":
            result[fields[1]].mode = int(fields[2], 8)
        elif kind == "link":
            _, folder, name, target, state = fields
            result[folder].links.append(HashLink(folder, name, target, state == "ok"))
        elif kind == "file":
            _, folder, name, blocks, hash_, fingerprint, expired, start, bits, mode = fields
            known = hash_ != "-"
            result[folder].files.append(
                CertFile(
                    folder=folder,
                    name=name,
                    blocks=int(blocks or 0),
                    hash=hash_ if known else None,
                    fingerprint=fingerprint.upper() if known else None,
                    expired=(expired == "yes") if known else None,
                    not_before=_openssl_date(start) if known else None,
                    bits=int(bits) if known and bits.isdigit() else None,
                    mode=int(mode, 8),
                )
            )
        else:
            raise AssertionError(f"unexpected line in the keystore listing: {line!r}")
    return result


def list_keystore(host: Any, folders: list[str]) -> dict[str, KeystoreFolder]:
    command = host.run(
        "sh -c %s keystore-listing " + " ".join(["%s"] * len(folders)), KEYSTORE_LISTING, *folders
    )
    assert command.rc == 0, f"listing the keystore failed (rc {command.rc}): {command.stderr}"
    return parse_keystore_listing(command.stdout, folders)


# -- certificates named in the inventory -------------------------------------------------------


def colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02X}" for byte in digest)


def certificates_in(data: bytes) -> list[x509.Certificate]:
    """Every certificate in a PEM file or bundle, a DER certificate, or PKCS#7 (PEM or DER)."""
    if b"-----BEGIN PKCS7-----" in data:
        return list(pkcs7.load_pem_pkcs7_certificates(data))
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        return list(pkcs7.load_der_pkcs7_certificates(data))


def fingerprints_of_item(host: Any, item: Mapping[str, Any]) -> set[str]:
    """SHA-256 fingerprints (openssl's colon form) of the certificates a role item names."""
    if item.get("content"):
        data = str(item["content"]).encode()
    elif item.get("src"):
        handle = host.file(str(item["src"]))
        assert handle.exists, f"{item['src']} (named in the inventory) does not exist on the host"
        data = handle.content
    else:
        return set()
    return {
        colon_hex(hashlib.sha256(cert.public_bytes(Encoding.DER)).digest()) for cert in certificates_in(data)
    }


def normalise_fingerprint(text: str) -> str:
    """``AB:CD...``, ``abcd...`` or ``sha256:ABCD...`` (the forms the role accepts) in openssl's colon form."""
    value = text.strip()
    if value.lower().startswith(("sha256:", "sha256=")):
        value = value[7:]
    digits = re.sub(r"[\s:]", "", value)
    assert re.fullmatch(r"[0-9A-Fa-f]{64}", digits), f"{text!r} is not a SHA-256 fingerprint"
    return colon_hex(bytes.fromhex(digits))

"""Fixtures of the compliance suite: the endpoint under test and a fast way to reach it.

Run against any Ansible inventory:

    pytest tests/compliance --hosts=ansible://all --ansible-inventory=INVENTORY

(molecule's verify step passes ``--connection=ansible --ansible-inventory=...``, which
selects the same hosts). Each host of the inventory is one parameter of every test.

testinfra reaches a host the way Ansible does. For a host whose connection testinfra
cannot map to a backend of its own (our ``icaclient.linux.chroot``, community.general's
``chroot``) it would run every command through an ``ansible`` subprocess (about 1.7 s a
command); such a host is reached through testinfra's native chroot backend instead, on
the root directory Ansible's ``ansible_host`` names.
"""

from __future__ import annotations

import os

import pytest
import testinfra
from compliance_support import Endpoint, make_endpoint

CHROOT_CONNECTIONS = ("icaclient.linux.chroot", "community.general.chroot", "chroot")


def _ansible_identity(testinfra_host) -> tuple[str, str | None]:
    backend = testinfra_host.backend
    if backend.NAME != "ansible":
        pytest.fail(
            "the compliance suite reads each host's expected state from its Ansible inventory: run it with "
            "--hosts=ansible://all --ansible-inventory=INVENTORY (or --connection=ansible), "
            f"not {backend.get_pytest_id()}"
        )
    inventory = backend.ansible_inventory
    return backend.host, os.path.abspath(inventory) if inventory else None


@pytest.fixture(scope="module")
def endpoint(_testinfra_host) -> Endpoint:
    """The host under test with the variables its inventory gives the roles."""
    name, inventory = _ansible_identity(_testinfra_host)
    return make_endpoint(inventory, name)


@pytest.fixture(scope="module")
def host(_testinfra_host, endpoint):
    """testinfra's host, through the native chroot backend for a chroot-connected root."""
    connection = endpoint.vars.get("ansible_connection", "")
    if connection in CHROOT_CONNECTIONS:
        root = str(endpoint.vars.get("ansible_host", endpoint.name))
        if not os.path.isdir(root):
            pytest.fail(f"{endpoint.name}: the chroot directory {root} (ansible_host) does not exist")
        return testinfra.get_host(root, connection="chroot")
    return _testinfra_host

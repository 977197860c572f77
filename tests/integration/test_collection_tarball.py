"""What users install is what is tested: the collection tarball, installed into an empty
collections path, runs the main job's playbooks by FQCN.

``ansible-galaxy collection build`` makes the tarball, ``ansible-galaxy collection install
TARBALL -p DIR`` puts it into an empty folder, and ``ansible-playbook icaclient.linux.site``
then ``icaclient.linux.compliance`` run against the sandbox endpoint and the three demo
gateways, made as ``scripts/main.sh`` makes them. Ansible sees only that folder: its
configuration is an empty file, ``ANSIBLE_COLLECTIONS_PATH`` names DIR, the roles path is an
empty folder, ``sys.path`` is not scanned for collections, and the runs start in a project
folder outside the checkout. Only the user's inventory (``inventories/sandbox``) and the
sandbox come from the checkout, as they would come from the user.
"""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from ansible_run import REPO, VENV_BIN, ansible_env
from helpers import demo_sandbox

pytestmark = pytest.mark.slow

COLLECTION = REPO / "collections" / "ansible_collections" / "icaclient" / "linux"
INVENTORY = REPO / "inventories" / "sandbox" / "hosts.yml"
ROLES = ("icaclient_keystore", "icaclient_config", "icaclient_stores", "icaclient_smartcard")
PLAYBOOKS = ("site", "compliance", "compliance_merge", "whatif")
# Never in the tarball: run output, sandboxes, caches (galaxy.yml build_ignore).
NOT_SHIPPED = re.compile(
    r"(^|/)(tests/output|out|sandbox|build|\.cache|\.pytest_cache|\.ruff_cache|__pycache__)(/|$)"
)


@dataclass
class Installed:
    tarball: Path
    collections: Path  # the collections path: DIR/ansible_collections/icaclient/linux
    project: Path  # where ansible-playbook runs: no ansible.cfg, no roles/, no collections/
    env: dict[str, str]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("tarball")
    build = root / "build"
    subprocess.run(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "build",
            "--output-path",
            str(build),
            str(COLLECTION),
        ],
        check=True,
        capture_output=True,
    )
    (tarball,) = build.glob("icaclient-linux-*.tar.gz")
    collections = root / "collections"
    collections.mkdir()
    assert not any(collections.iterdir())
    config = root / "empty.cfg"
    config.write_text("")
    (root / "no-roles").mkdir()
    project = root / "project"
    project.mkdir()
    env = ansible_env(
        {
            "ANSIBLE_CONFIG": str(config),
            "ANSIBLE_COLLECTIONS_PATH": str(collections),
            "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
            "ANSIBLE_ROLES_PATH": str(root / "no-roles"),
            "ANSIBLE_RETRY_FILES_ENABLED": "false",
            # What a shell sets: the runs start in the project folder (the default report folder).
            "PWD": str(project),
        }
    )
    subprocess.run(
        [
            str(VENV_BIN / "ansible-galaxy"),
            "collection",
            "install",
            "--offline",
            str(tarball),
            "-p",
            str(collections),
        ],
        check=True,
        capture_output=True,
        env=env,
        cwd=project,
    )
    return Installed(tarball, collections, project, env)


def test_the_tarball_ships_the_roles_and_playbooks_and_no_run_output(installed):
    with tarfile.open(installed.tarball) as tar:
        names = tar.getnames()
    for role in ROLES:
        assert f"roles/{role}/tasks/main.yml" in names
        assert f"roles/{role}/meta/argument_specs.yml" in names
    for playbook in PLAYBOOKS:
        assert f"playbooks/{playbook}.yml" in names
    assert "playbooks/tasks/compliance_role.yml" in names
    assert [name for name in names if NOT_SHIPPED.search(name)] == []
    print(
        f"collection tarball: {installed.tarball.name}, {installed.tarball.stat().st_size} bytes, {len(names)} entries"
    )


def test_the_installed_collection_lists_its_roles_and_plays(installed):
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-doc"), "-t", "role", "-l", "icaclient.linux"],
        env=installed.env,
        cwd=installed.project,
        capture_output=True,
        text=True,
        check=True,
    )
    for role in ROLES:
        assert f"icaclient.linux.{role}" in proc.stdout, proc.stdout
    installed_root = installed.collections / "ansible_collections" / "icaclient" / "linux"
    for playbook in PLAYBOOKS:
        assert (installed_root / "playbooks" / f"{playbook}.yml").is_file()
    # Nothing resolves through the checkout: no link survives the tarball.
    assert [path for path in installed_root.rglob("*") if path.is_symlink()] == []


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """The sandbox endpoint and the three demo gateways, as scripts/main.sh makes them."""
    with demo_sandbox(tmp_path_factory.mktemp("tarball-job") / "sandbox", str(VENV_BIN / "python")) as path:
        yield path


def _playbook(installed: Installed, sandbox: Path, name: str, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [
            str(VENV_BIN / "ansible-playbook"),
            "-i",
            str(INVENTORY),
            "-e",
            f"@{sandbox / 'sandbox-vars.json'}",
            "-e",
            f"@{sandbox / 'demo-vars.json'}",
            name,
            *args,
        ],
        env=installed.env,
        cwd=installed.project,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return proc


def _recap_changed(out: str) -> int:
    match = re.search(r"^sandbox-endpoint\s+: ok=\d+\s+changed=(\d+)", out, re.MULTILINE)
    assert match, out[-3000:]
    return int(match.group(1))


@pytest.fixture(scope="module")
def main_job(installed, sandbox):
    """main.sh's steps by FQCN from the installed collection: site.yml (without, then with only
    the smart card play), compliance.yml with its default report folder, then site.yml again."""
    first = _playbook(installed, sandbox, "icaclient.linux.site", "--skip-tags", "smartcard")
    smartcard = _playbook(installed, sandbox, "icaclient.linux.site", "--tags", "smartcard")
    compliance = _playbook(
        installed, sandbox, "icaclient.linux.compliance", "-e", '{"icaclient_compliance_fail": false}'
    )
    second = _playbook(installed, sandbox, "icaclient.linux.site", "--skip-tags", "smartcard")
    return {"site-1": first, "smartcard": smartcard, "compliance": compliance, "site-2": second}


def test_the_installed_collection_provisions_the_endpoint_and_a_second_run_changes_nothing(main_job):
    assert _recap_changed(main_job["site-1"].stdout) > 0
    assert "icaclient.linux.icaclient_keystore : " in main_job["site-1"].stdout
    assert _recap_changed(main_job["site-2"].stdout) == 0, main_job["site-2"].stdout[-4000:]


def test_the_installed_compliance_play_reports_the_three_gateways_in_the_current_directory(
    main_job, installed, sandbox
):
    # The default report folder: out/compliance/<time> where ansible-playbook ran, never inside
    # the installed collection.
    (report_json,) = (installed.project / "out" / "compliance").glob("*/report.json")
    installed_root = installed.collections / "ansible_collections" / "icaclient" / "linux"
    assert [str(path) for path in installed_root.rglob("out")] == []
    report = json.loads(report_json.read_text())
    (host,) = report["hosts"]
    checks = {check["id"]: check for check in host["checks"]}
    gateways = json.loads((sandbox / "demo-vars.json").read_text())["icaclient_demo_gateways"]
    healthy = checks[f"probe:{gateways['healthy']['url']}"]
    untrusted = checks[f"probe:{gateways['untrusted']['url']}"]
    tls10 = checks[f"probe:{gateways['tls10']['url']}"]
    assert healthy["status"] == "pass", healthy
    assert (untrusted["status"], untrusted["client_error"]) == ("fail", 61), untrusted
    assert (tls10["status"], tls10["client_error"]) == ("fail", 47), tls10
    for role in ("icaclient_keystore", "icaclient_config", "icaclient_stores"):
        assert checks[f"role:{role}"]["status"] == "pass", checks[f"role:{role}"]
    assert checks["keystore"]["status"] == "pass", checks["keystore"]
    smartcard = checks["role:icaclient_smartcard"]
    assert smartcard["status"] == "warn" and "not enforced" in smartcard["message"], smartcard
    assert str(report_json.parent / "report.html") in main_job["compliance"].stdout

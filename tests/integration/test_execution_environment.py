"""The execution environment built for real, and the jobs run in it the way AWX runs them.

``scripts/build_ee.sh --local-base`` builds ``execution-environment.yml`` with ansible-builder and
podman on a Debian bookworm base made on this machine (no registry is reachable here): the same
definition as production, its base image, package manager and Python overridden with build
arguments. podman runs with a ``CONTAINERS_CONF`` written here (runc, cgroupfs, no default
ulimits: crun fails on these machines).

Each job is ``ansible-runner run`` inside the image over a private data dir (``project/`` with
the project's ansible.cfg and playbooks, ``inventory/``, ``env/extravars``,
``env/envvars``), as AWX's execution nodes run a job; the report is read from the job's
artifacts. The collection, its roles and playbooks included, comes from the image only (the
tarball ``ansible-galaxy collection build`` made): the project's playbooks only import
``icaclient.linux.site`` and the others, it carries no ``roles/`` or ``collections/`` folder, and
``ANSIBLE_COLLECTIONS_PATH`` names the image's collection folder, as AWX sets it.

The sandbox endpoint is the container itself (``ansible_connection: local``) with the host's
sandbox folder mounted at the same path, run as root as ``scripts/main.sh`` does; the demo
gateways listen on the host's loopback (``--network host``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from ansible_run import REPO, VENV_BIN
from helpers import demo_sandbox

pytestmark = pytest.mark.slow

IMAGE = "localhost/icaclient-linux-ee:test"
COLLECTION = REPO / "collections" / "ansible_collections" / "icaclient" / "linux"
IMAGE_COLLECTIONS = "/usr/share/ansible/collections"
CONTAINERS_CONF = """\
[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
"""


@pytest.fixture(scope="module")
def podman_env(tmp_path_factory) -> dict[str, str]:
    if shutil.which("podman") is None:
        pytest.fail("podman is missing: scripts/test.sh installs it (scripts/apt-test.txt)")
    conf = tmp_path_factory.mktemp("podman") / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    return dict(os.environ, CONTAINERS_CONF=str(conf))


@pytest.fixture(scope="module")
def image(podman_env) -> str:
    start = time.monotonic()
    proc = subprocess.run(
        [str(REPO / "scripts" / "build_ee.sh"), "--local-base", "--tag", IMAGE],
        env=podman_env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"build_ee: built {IMAGE} in " in proc.stderr
    print(f"EE build: {time.monotonic() - start:.0f} s")
    return IMAGE


def podman_command(*args: str, volumes=()) -> list[str]:
    """``podman run`` as root (the sandbox endpoint is the container, with root's rights on the
    mounted sandbox, as scripts/main.sh has them), on the host's network (the demo gateways), with
    ``volumes`` mounted at their own paths."""
    mounts = [arg for path in volumes for arg in ("--volume", f"{path}:{path}")]
    return ["podman", "run", "--rm", "--network", "host", "--user", "root", *mounts, *args]


def podman_run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(podman_command(*args), env=env, capture_output=True, text=True, timeout=900)


# ---------------------------------------------------------------------------
# The image


def test_the_image_holds_the_collection_tarball_and_the_tools_a_job_needs(image, podman_env):
    galaxy = yaml.safe_load((COLLECTION / "galaxy.yml").read_text())
    proc = podman_run(
        podman_env,
        image,
        "bash",
        "-c",
        "ansible-galaxy collection list icaclient.linux --format json; echo ===; "
        "ansible-runner --version; echo ===; ansible-doc -l icaclient.linux; echo ===; "
        f"cat {IMAGE_COLLECTIONS}/ansible_collections/icaclient/linux/MANIFEST.json; echo ===; "
        "python3 -c 'import cryptography, spnego; print(\"ok\")'; openssl version",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listing, runner, modules, manifest, tools = proc.stdout.split("===\n")
    assert json.loads(listing)[f"{IMAGE_COLLECTIONS}/ansible_collections"]["icaclient.linux"] == {
        "version": galaxy["version"]
    }
    assert runner.strip().startswith("2.")
    expected = sorted(path.stem for path in (COLLECTION / "plugins" / "modules").glob("*.py"))
    assert (
        sorted(line.split()[0].removeprefix("icaclient.linux.") for line in modules.splitlines()) == expected
    )
    # Installed from the tarball of `ansible-galaxy collection build` (only a built collection has
    # a MANIFEST.json), of this checkout's galaxy.yml.
    info = json.loads(manifest)["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("icaclient", "linux", galaxy["version"])
    assert tools.startswith("ok\nOpenSSL 3.")


# ---------------------------------------------------------------------------
# Jobs through ansible-runner in the image


@dataclass
class Job:
    ident: str
    rc: int
    stdout: str
    artifacts: Path

    def changed(self) -> dict[str, int]:
        """The play recap's changed count per host, from the job's playbook_on_stats event."""
        for path in sorted((self.artifacts / "job_events").glob("*.json")):
            event = json.loads(path.read_text())
            if event.get("event") == "playbook_on_stats":
                return event["event_data"]["changed"] | dict.fromkeys(
                    set(event["event_data"]["ok"]) - set(event["event_data"]["changed"]), 0
                )
        raise AssertionError(f"no playbook_on_stats event in {self.artifacts}")

    def report(self) -> dict:
        return json.loads((self.artifacts / "report" / "report.json").read_text())


def private_data_dir(root: Path, *, inventory: dict, extravars: dict) -> Path:
    """An ansible-runner private data dir as AWX prepares one: the project (as a user's project
    synced from git: ansible.cfg and one playbook per job that imports the collection's playbook,
    ``playbooks/site.yml`` importing ``icaclient.linux.site``; no roles/, no collections/), the
    inventory, extra vars, environment. The plays and roles come from the image's collection."""
    root.mkdir(parents=True)
    project = root / "project"
    (project / "playbooks").mkdir(parents=True)
    shutil.copy2(REPO / "ansible.cfg", project / "ansible.cfg")
    for playbook in sorted((COLLECTION / "playbooks").glob("*.yml")):
        (project / "playbooks" / playbook.name).write_text(
            f"---\n- name: Run icaclient.linux.{playbook.stem} from the execution environment\n"
            f"  ansible.builtin.import_playbook: icaclient.linux.{playbook.stem}\n"
        )
    (root / "inventory").mkdir()
    (root / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (root / "env").mkdir()
    (root / "env" / "extravars").write_text(json.dumps(extravars))
    (root / "env" / "envvars").write_text(
        json.dumps({"ANSIBLE_COLLECTIONS_PATH": IMAGE_COLLECTIONS, "ANSIBLE_NOCOLOR": "1"})
    )
    return root


def start_job(env, image: str, pdd: Path, playbook: str, ident: str, *, volumes=(), cmdline: str = ""):
    args = ["ansible-runner", "run", "/runner", "-p", playbook, "--ident", ident]
    if cmdline:
        args += ["--cmdline", cmdline]
    return subprocess.Popen(
        podman_command("--volume", f"{pdd}:/runner", image, *args, volumes=volumes),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish_job(proc: subprocess.Popen, pdd: Path, ident: str) -> Job:
    stdout, _ = proc.communicate(timeout=900)
    return Job(ident, proc.returncode, stdout, pdd / "artifacts" / ident)


def runner_job(env, image, pdd, playbook, ident, **kwargs) -> Job:
    return finish_job(start_job(env, image, pdd, playbook, ident, **kwargs), pdd, ident)


@dataclass
class Sandbox:
    path: Path
    settings: dict  # sandbox-vars.json
    demo: dict  # demo-vars.json: the gateways, their store, the compliance targets


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """The sandbox endpoint and the three demo gateways, made as scripts/main.sh makes them."""
    with demo_sandbox(tmp_path_factory.mktemp("ee-job") / "sandbox", str(VENV_BIN / "python")) as path:
        yield Sandbox(
            path,
            json.loads((path / "sandbox-vars.json").read_text()),
            json.loads((path / "demo-vars.json").read_text()),
        )


def report_vars(ident: str) -> dict:
    return {
        "icaclient_compliance_report_dir": f"/runner/artifacts/{ident}/report",
        "icaclient_compliance_fail": False,
    }


@pytest.fixture(scope="module")
def main_job(image, podman_env, sandbox, tmp_path_factory):
    """site.yml twice (without the smart card play, as main.sh's provisioning step), then
    compliance.yml, each an ansible-runner job in the image over the sandbox inventory."""
    inventory = yaml.safe_load((REPO / "inventories" / "sandbox" / "hosts.yml").read_text())
    group_vars = yaml.safe_load(
        (REPO / "inventories" / "sandbox" / "group_vars" / "icaclient_endpoints" / "main.yml").read_text()
    )
    inventory["icaclient_endpoints"]["vars"] = group_vars
    extravars = {**sandbox.settings, **sandbox.demo, **report_vars("compliance")}
    pdd = private_data_dir(
        tmp_path_factory.mktemp("runner") / "main", inventory=inventory, extravars=extravars
    )
    jobs = {}
    for ident, playbook, cmdline in (
        ("site-1", "playbooks/site.yml", "--skip-tags smartcard"),
        ("site-2", "playbooks/site.yml", "--skip-tags smartcard"),
        ("compliance", "playbooks/compliance.yml", ""),
    ):
        start = time.monotonic()
        job = runner_job(podman_env, image, pdd, playbook, ident, volumes=(sandbox.path,), cmdline=cmdline)
        print(f"runner job {ident}: {time.monotonic() - start:.0f} s")
        assert job.rc == 0, job.stdout[-6000:]
        assert (job.artifacts / "rc").read_text() == "0"
        assert (job.artifacts / "status").read_text() == "successful"
        jobs[ident] = job
    return jobs


def test_the_main_job_in_the_ee_reports_the_three_gateways_as_the_client_would(main_job, sandbox):
    report = main_job["compliance"].report()
    (host,) = report["hosts"]
    assert host["host"] == "sandbox-endpoint"
    checks = {check["id"]: check for check in host["checks"]}
    gateways = sandbox.demo["icaclient_demo_gateways"]
    healthy = checks[f"probe:{gateways['healthy']['url']}"]
    untrusted = checks[f"probe:{gateways['untrusted']['url']}"]
    tls10 = checks[f"probe:{gateways['tls10']['url']}"]
    assert healthy["status"] == "pass", healthy
    assert (untrusted["status"], untrusted["client_error"]) == ("fail", 61), untrusted
    assert (tls10["status"], tls10["client_error"]) == ("fail", 47), tls10
    for role in ("icaclient_keystore", "icaclient_config", "icaclient_stores"):
        assert checks[f"role:{role}"]["status"] == "pass", checks[f"role:{role}"]
    assert checks["keystore"]["status"] == "pass"
    smartcard = checks["role:icaclient_smartcard"]
    assert smartcard["status"] == "warn" and "not enforced" in smartcard["message"], smartcard
    for name in ("junit.xml", "report.html"):
        assert (main_job["compliance"].artifacts / "report" / name).is_file()
    # The job's own output (what AWX shows) ends with the findings and names the report.
    assert "/runner/artifacts/compliance/report/report.html" in main_job["compliance"].stdout


def test_the_second_provisioning_job_changes_nothing(main_job, sandbox):
    assert main_job["site-1"].changed()["sandbox-endpoint"] > 0
    assert main_job["site-2"].changed() == {"sandbox-endpoint": 0}
    # The provisioning reached the sandbox on the host: its keystore holds the corporate root.
    assert (sandbox.path / "icaroot" / "keystore" / "cacerts" / "sandbox-corp-root.pem").is_file()


# ---------------------------------------------------------------------------
# Job slicing: three slices, three partial reports, one merged report


SLICED_HOSTS = {
    # host -> which demo gateways it probes: the hosts differ, so do their columns and findings
    "tc-01": ("healthy", "untrusted", "tls10"),
    "tc-02": ("healthy",),
    "tc-03": ("untrusted", "tls10"),
    "tc-04": (),
    "tc-05": ("tls10",),
}


def sliced_inventory(sandbox: Sandbox, hosts: list[str]) -> dict:
    group_vars = yaml.safe_load(
        (REPO / "inventories" / "sandbox" / "group_vars" / "icaclient_endpoints" / "main.yml").read_text()
    )
    demo = {key: value for key, value in sandbox.demo.items() if key != "icaclient_compliance_targets"}
    gateways = sandbox.demo["icaclient_demo_gateways"]
    return {
        "icaclient_endpoints": {
            "vars": {**group_vars, **sandbox.settings, **demo},
            "hosts": {
                host: {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                    "icaclient_compliance_targets": [gateways[name]["url"] for name in SLICED_HOSTS[host]],
                }
                for host in hosts
            },
        }
    }


def awx_slice(hosts: list[str], number: int, count: int) -> list[str]:
    """The hosts of job slice ``number`` (1-based) of ``count``, as AWX splits an inventory."""
    return sorted(hosts)[number - 1 :: count]


@pytest.fixture(scope="module")
def sliced(image, podman_env, sandbox, main_job, tmp_path_factory):
    """compliance.yml once over all the hosts and as three slices (three jobs run in parallel),
    then the merge of the three partial reports, itself a job in the image."""
    root = tmp_path_factory.mktemp("slices")
    hosts = sorted(SLICED_HOSTS)
    runs = {"unsliced": hosts} | {f"slice-{n}": awx_slice(hosts, n, 3) for n in (1, 2, 3)}
    started = {}
    start = time.monotonic()
    for ident, members in runs.items():
        pdd = private_data_dir(
            root / ident, inventory=sliced_inventory(sandbox, members), extravars=report_vars(ident)
        )
        started[ident] = (
            pdd,
            start_job(podman_env, image, pdd, "playbooks/compliance.yml", ident, volumes=(sandbox.path,)),
        )
    jobs = {ident: finish_job(proc, pdd, ident) for ident, (pdd, proc) in started.items()}
    print(f"four compliance jobs in parallel: {time.monotonic() - start:.0f} s")
    for job in jobs.values():
        assert job.rc == 0, job.stdout[-6000:]
    partial = [jobs[f"slice-{n}"].artifacts / "report" / "report.json" for n in (1, 2, 3)]
    merge_pdd = private_data_dir(
        root / "merge",
        inventory={"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}},
        extravars={
            "icaclient_compliance_merge_src": [str(path) for path in reversed(partial)],
            "icaclient_compliance_report_dir": "/runner/artifacts/merge/report",
        },
    )
    merge = runner_job(
        podman_env, image, merge_pdd, "playbooks/compliance_merge.yml", "merge", volumes=(root,)
    )
    assert merge.rc == 0, merge.stdout[-6000:]
    return jobs, merge


def test_each_slice_reports_only_its_hosts(sliced):
    jobs, _merge = sliced
    hosts = sorted(SLICED_HOSTS)
    for n in (1, 2, 3):
        report = jobs[f"slice-{n}"].report()
        assert [entry["host"] for entry in report["hosts"]] == awx_slice(hosts, n, 3)
    assert [entry["host"] for entry in jobs["unsliced"].report()["hosts"]] == hosts


def test_the_merged_slices_equal_the_unsliced_report_apart_from_the_generation_time(sliced):
    jobs, merge = sliced
    whole = jobs["unsliced"].report()
    merged = merge.report()
    generated = sorted(jobs[f"slice-{n}"].report()["generated"] for n in (1, 2, 3))
    assert merged["generated"] == generated[0]  # the start of the sliced run
    assert {key: value for key, value in merged.items() if key != "generated"} == {
        key: value for key, value in whole.items() if key != "generated"
    }
    # The fleet is really varied: failing and passing hosts, the three gateways' verdicts.
    statuses = {entry["host"]: entry["status"] for entry in merged["hosts"]}
    # The smart card role is not enforced on the sandbox (a warning): a host fails by its probes.
    assert statuses == {"tc-01": "fail", "tc-02": "warn", "tc-03": "fail", "tc-04": "warn", "tc-05": "fail"}
    errors = {
        check["client_error"]
        for entry in merged["hosts"]
        for check in entry["checks"]
        if check["kind"] == "probe" and check["status"] == "fail"
    }
    assert errors == {61, 47}
    for name in ("junit.xml", "report.html"):
        assert (merge.artifacts / "report" / name).is_file()

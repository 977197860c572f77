"""The collection's filter plugins stay light to load.

Ansible forks a fresh worker for every task and host, and the first ``icaclient.linux.*``
filter a worker templates loads every filter file of the collection. A filter file that pulls
in the prober or the report builder (ssl, cryptography, the whole engine) made every task that
uses a role filter about 120 ms slower per host; this keeps that from coming back, without timing.
(``client_settings_problems`` still imports the ini file writer, about 15 ms, to check settings as
``client_ini`` does.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FILTERS = REPO / "collections" / "ansible_collections" / "icaclient" / "linux" / "plugins" / "filter"
HEAVY = (
    "ansible_collections.icaclient.linux.plugins.module_utils._probe",
    "ansible_collections.icaclient.linux.plugins.module_utils._report.build",
    "cryptography",
    "ssl",
)


def test_loading_every_filter_file_imports_neither_the_prober_nor_the_report_builder() -> None:
    names = sorted(path.stem for path in FILTERS.glob("*.py") if path.stem != "__init__")
    assert "config_role" in names and "change_summary" in names, names
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(REPO / 'collections')!r})\n"
        "before = set(sys.modules)\n"
        f"for name in {names!r}:\n"
        "    __import__('ansible_collections.icaclient.linux.plugins.filter.' + name)\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = json.loads(run.stdout)
    heavy = [module for module in loaded if any(module == h or module.startswith(h + ".") for h in HEAVY)]
    assert heavy == [], f"loading the filter plugins imports {heavy}"

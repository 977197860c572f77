#!/usr/bin/env bash
# The main job on the embedded default, end to end:
#  1. build the sandbox endpoint (a stand-in ICAROOT and a demo PKI, scripts/make_sandbox.py);
#  2. start three demo gateways on loopback (scripts/demo_gateways.py): one healthy, one whose
#     certificate comes from a root the endpoint does not trust, one offering only TLS 1.0;
#  3. provision the endpoint with playbooks/site.yml: keystore, configuration, stores (the
#     healthy gateway's store), then the smart card part in check mode (the sandbox endpoint
#     is this machine: icaclient_smartcard_enforce is false there);
#  4. check it with playbooks/compliance.yml (every role in check mode, the keystore audit,
#     probes to the three gateways) and print the report with the path of its HTML page; from
#     the second run on, the previous run's report.json is the baseline (icaclient_compliance_baseline)
#     and the drift since it and the expiry forecast are printed after the report.
# The gateways are stopped on exit. Run it twice: the second provisioning changes nothing.
#
# ICACLIENT_SANDBOX=DIR      the sandbox folder (default: ./sandbox)
# ICACLIENT_REPORT_DIR=DIR   the report folder (default: ./out/compliance/<UTC time>)
# Arguments are passed to both ansible-playbook runs (for example -v).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# python3-apt and the package lists: the smart card role's check mode asks apt what it would
# install.
ensure_apt openssl python3-apt
if ! compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null; then
    say "reading the Debian package lists (apt-get update)"
    apt-get update -qq
fi
ensure_venv

SANDBOX=$(realpath -m "${ICACLIENT_SANDBOX:-$ROOT/sandbox}")
REPORT_DIR=$(realpath -m "${ICACLIENT_REPORT_DIR:-$ROOT/out/compliance/$(date -u +%Y%m%dT%H%M%SZ)}")
GATEWAYS_DIR="$SANDBOX/gateways"
GATEWAYS_PID_FILE="$GATEWAYS_DIR/gateways.pid"
DEMO_VARS="$SANDBOX/demo-vars.json"
LAST_REPORT="$SANDBOX/last-report"  # the previous run's report.json: the next run's baseline
GATEWAYS_PID=

say "building the sandbox endpoint in $SANDBOX"
python "$ROOT/scripts/make_sandbox.py" "$SANDBOX"

stop_gateways() {
    if [ -n "$GATEWAYS_PID" ] && kill -0 "$GATEWAYS_PID" 2>/dev/null; then
        kill "$GATEWAYS_PID" 2>/dev/null || true
        wait "$GATEWAYS_PID" 2>/dev/null || true
    fi
    GATEWAYS_PID=
}

stop_stale_gateways() {
    # A run that was killed (SIGKILL) could not stop its gateways: stop that process, by its
    # id, when it is still our demo_gateways.py for this sandbox.
    local pid
    pid=$(cat "$GATEWAYS_PID_FILE" 2>/dev/null || true)
    if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
        grep -q "demo_gateways.py --sandbox $SANDBOX "; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
}

say "starting the demo gateways"
mkdir -p "$GATEWAYS_DIR"
stop_stale_gateways
rm -f "$DEMO_VARS"
trap stop_gateways EXIT
python "$ROOT/scripts/demo_gateways.py" --sandbox "$SANDBOX" --vars-file "$DEMO_VARS" \
    --pid-file "$GATEWAYS_PID_FILE" >"$GATEWAYS_DIR/stdout.log" 2>&1 &
GATEWAYS_PID=$!
for _ in $(seq 150); do
    [ -s "$DEMO_VARS" ] && break
    if ! kill -0 "$GATEWAYS_PID" 2>/dev/null; then
        echo "the demo gateways did not start:" >&2
        cat "$GATEWAYS_DIR/stdout.log" >&2
        exit 1
    fi
    sleep 0.1
done
if [ ! -s "$DEMO_VARS" ]; then
    echo "the demo gateways did not start within 15 s (see $GATEWAYS_DIR/stdout.log)" >&2
    exit 1
fi
cat "$GATEWAYS_DIR/stdout.log"

playbook() {
    ansible-playbook -i "$ROOT/inventories/sandbox/hosts.yml" \
        -e @"$SANDBOX/sandbox-vars.json" -e @"$DEMO_VARS" "$@"
}

say "provisioning the endpoint: playbooks/site.yml (keystore, config, stores)"
playbook "$ROOT/playbooks/site.yml" --skip-tags smartcard "$@"

say "smart card support: playbooks/site.yml --tags smartcard (check mode on the sandbox: it is this machine)"
playbook "$ROOT/playbooks/site.yml" --tags smartcard "$@"

say "checking compliance: playbooks/compliance.yml (report in $REPORT_DIR)"
# The demo's untrusted and TLS 1.0 gateways fail on purpose: report them, do not fail the job.
BASELINE=$(cat "$LAST_REPORT" 2>/dev/null || true)
if [ -n "$BASELINE" ] && { [ ! -f "$BASELINE" ] || [ "$BASELINE" = "$REPORT_DIR/report.json" ]; }; then
    BASELINE=
fi
report_vars=$(python -c '
import json, sys
extra = {"icaclient_compliance_report_dir": sys.argv[1], "icaclient_compliance_fail": False}
if sys.argv[2]:
    extra["icaclient_compliance_baseline"] = sys.argv[2]
print(json.dumps(extra))' "$REPORT_DIR" "$BASELINE")
ANSIBLE_CALLBACK_RESULT_FORMAT=yaml playbook "$ROOT/playbooks/compliance.yml" -e "$report_vars" "$@"

say "compliance report"
python - "$REPORT_DIR" <<'EOF'
import json
import sys
from pathlib import Path

folder = Path(sys.argv[1])
report = json.loads((folder / "report.json").read_text())
s = report["summary"]
print(f"{s['hosts']} host(s), {s['checks']} checks: {s['passed']} passed, {s['warnings']} warnings, {s['failed']} failed")
for entry in report["hosts"]:
    for check in entry["checks"]:
        error = f" (client error {check['client_error']})" if check["client_error"] is not None else ""
        print(f"  {entry['host']:<18} {check['status'].upper():<5} {check['name']}{error}")
        if check["status"] == "fail":
            print(f"  {'':<18}       {check['message']}")
print(f"HTML report:  {folder / 'report.html'}")
print(f"JUnit XML:    {folder / 'junit.xml'}")
print(f"JSON:         {folder / 'report.json'}")
drift = report.get("drift")
if drift:
    d = drift["summary"]
    print(f"Since the previous run ({drift['baseline']['generated']}): {d['new_findings']} new finding(s), "
          f"{d['fixed_findings']} fixed, {d['staying_findings']} staying")
    numbers = {f["number"]: f for f in report["findings"]}
    for item in drift["findings"]:
        finding = numbers[item["number"]]
        print(f"  {item['drift'].upper():<6} #{finding['number']} {finding['status'].upper()} {finding['name']}")
    for fixed in drift["fixed"]:
        print(f"  FIXED  {fixed['status'].upper()} {fixed['name']}")
else:
    print("No baseline: the next run compares with this report")
expiry = report["expiry"]
print(f"Expiry forecast ({expiry['days']} days): {expiry['expired']} expired, {expiry['expiring']} expiring")
for cert in expiry["certificates"]:
    print(f"  {cert['status'].upper():<5} {cert['not_after'][:10]} {cert['subject']} ({', '.join(cert['sources'])})")
EOF
printf '%s\n' "$REPORT_DIR/report.json" >"$LAST_REPORT.tmp" && mv "$LAST_REPORT.tmp" "$LAST_REPORT"

say "what-if before a rollout: playbooks/whatif.yml (TLS 1.3 only, the partner's root added, the old corporate root removed)"
# Probes every gateway with the endpoint's settings and with the proposal, judged in memory:
# nothing on the endpoint changes. The proposal breaks the healthy gateway (its root removed):
# reported, not a failure of the demo.
whatif_vars=$(python - "$REPORT_DIR/whatif" "$SANDBOX" <<'EOF'
import json
import sys

report_dir, sandbox = sys.argv[1:]
print(json.dumps({
    "icaclient_whatif_report_dir": report_dir,
    "icaclient_whatif_fail": False,
    "icaclient_whatif_proposed": {
        "min_tls": "1.3",
        "max_tls": "1.3",
        "add_certificates": [f"{sandbox}/gateways/rogue-root.pem"],
        "remove_certificates": [f"{sandbox}/pki/corp-root.pem"],
    },
}))
EOF
)
playbook "$ROOT/playbooks/whatif.yml" -e "$whatif_vars" "$@"
cat "$REPORT_DIR/whatif/whatif.txt"

"""The prober reads the lockdown profiles: a setting a profile does not permit is not probed, and the
verdict says so. Real profile files in a sandbox ICAROOT (the stock fixture), no mocks."""

from __future__ import annotations

import shutil
from pathlib import Path

from ansible_collections.icaclient.linux.plugins.module_utils._probe.settings import read_client_settings

FIXTURES = Path(__file__).parent.parent / "fixtures"


def sandbox(tmp_path: Path, wfclient: str) -> tuple[Path, Path]:
    icaroot = tmp_path / "icaroot"
    shutil.copytree(FIXTURES / "icaroot" / "config", icaroot / "config")
    (icaroot / "config" / "wfclient.ini").write_text(wfclient)
    home = tmp_path / "home"
    (home / ".ICAClient").mkdir(parents=True)
    return icaroot, home


def test_a_tls_version_all_regions_does_not_permit_is_replaced_by_its_default(tmp_path):
    icaroot, home = sandbox(tmp_path, "[WFClient]\nMinimumTLS=1.2\nMaximumTLS=1.3\n")
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    # All_Regions.ini: MaximumTLS=1.2,1.1,1.0, whose default (first item) is 1.2.
    assert (settings.min_tls, settings.max_tls) == ("1.2", "1.2")
    [warning] = [w for w in settings.warnings if w.startswith("MaximumTLS")]
    assert "All_Regions.ini [Network\\SSL] MaximumTLS=1.2,1.1,1.0 does not permit '1.3'" in warning
    assert warning.endswith("the client uses MaximumTLS=1.2")
    assert any("MaximumTLS=1.2 (" in source and "All_Regions.ini" in source for source in settings.sources)


def test_a_proxy_type_all_regions_does_not_permit_is_not_probed(tmp_path):
    icaroot, home = sandbox(tmp_path, "[WFClient]\nProxyType=Secure\nProxyHost=proxy.example.com:3128\n")
    (icaroot / "config" / "All_Regions.ini").write_text(
        (icaroot / "config" / "All_Regions.ini").read_text().replace("ProxyType=\n", "ProxyType=None,Wpad\n")
    )
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert settings.proxy is None
    [warning] = [w for w in settings.warnings if "is not in effect:" in w]
    assert (
        "ProxyType=Secure" in warning
        and "[Network\\Proxy] ProxyType=None,Wpad does not permit 'Secure'" in warning
    )
    assert warning.endswith("the client uses ProxyType=None")


def test_a_region_profile_that_does_not_permit_the_proxy_gives_a_warning_naming_it(tmp_path):
    icaroot, home = sandbox(
        tmp_path, "[WFClient]\nProxyType=Secure\nProxyHost=proxy.example.com:3128\nHDXoverUDP=Off\n"
    )
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert settings.proxy is not None and settings.proxy.kind == "http"  # All_Regions.ini: ProxyType= (any)
    regional = [w for w in settings.warnings if "for servers of the region of" in w]
    assert [Path(w.split("region of ", 1)[1].split(":", 1)[0]).name for w in regional] == [
        "Trusted_Region.ini",
        "Untrusted_Regions.ini",
        "Unknown_Region.ini",
    ]
    assert all("ProxyType=None,Auto,Wpad does not permit 'Secure'" in w for w in regional)
    assert all(w.endswith("there the client uses ProxyType=None") for w in regional)


def test_a_users_profile_copy_wins_over_the_machines(tmp_path):
    icaroot, home = sandbox(tmp_path, "[WFClient]\nMaximumTLS=1.1\n")
    (home / ".ICAClient" / "All_Regions.ini").write_text(
        "[Top Level]\nAllowUnrecognisedICAParameters=false\n\n[Network\\SSL]\nMinimumTLS=1.0\nMaximumTLS=1.2\n"
    )
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert settings.max_tls == "1.2"
    assert any(str(home / ".ICAClient" / "All_Regions.ini") in w for w in settings.warnings)


def test_without_profiles_nothing_changes(tmp_path):
    icaroot, home = sandbox(tmp_path, "[WFClient]\nMaximumTLS=1.3\n")
    for profile in (icaroot / "config").glob("*_Region*.ini"):
        profile.unlink()
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert settings.max_tls == "1.3" and not settings.warnings

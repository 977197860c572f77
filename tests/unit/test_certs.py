"""Loading and judging CA certificates (module_utils/_x509/), checked against the system openssl."""

from __future__ import annotations

import datetime
import re
import subprocess
import warnings

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._x509.certs import load_certificates
from ansible_collections.icaclient.linux.plugins.module_utils._x509.checks import (
    check_for_keystore,
    keystore_problems,
)
from ansible_collections.icaclient.linux.plugins.module_utils._x509.der import encode_tlv
from ansible_collections.icaclient.linux.plugins.module_utils._x509.encoding import (
    normalise_fingerprint,
    slug,
)
from ansible_collections.icaclient.linux.plugins.module_utils._x509.names import render_name
from ansible_collections.icaclient.linux.plugins.module_utils._x509.pem import der_to_pem
from ansible_collections.icaclient.linux.plugins.module_utils._x509.subject_hash import name_hash

CONTEXT = "cannot add root certificate corp-root.pem to /icaroot/keystore/cacerts"
UTC = datetime.timezone.utc


def openssl(*args: str, data: bytes) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=False)


def openssl_serial(der: bytes) -> str:
    proc = openssl("x509", "-inform", "DER", "-noout", "-serial", data=der)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode().strip().removeprefix("serial=")


def openssl_hash(der: bytes) -> str:
    proc = openssl("x509", "-inform", "DER", "-noout", "-hash", data=der)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode().strip()


def v1_certificate(pki, tmp_path, *, self_signed: bool) -> bytes:
    """A version 1 certificate made by openssl (``x509 -req`` without extensions writes v1)."""
    key = tmp_path / "v1.key"
    key.write_bytes(
        pki.fresh_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    csr = subprocess.run(
        ["openssl", "req", "-new", "-key", str(key), "-subj", "/O=icaclient test PKI/CN=Old V1 CA"],
        capture_output=True,
        check=True,
    ).stdout
    (tmp_path / "v1.csr").write_bytes(csr)
    if self_signed:
        signer = ["-signkey", str(key)]
    else:
        (tmp_path / "ca.pem").write_bytes(pki.root.pem)
        (tmp_path / "ca.key").write_bytes(pki.root.key_pem)
        signer = ["-CA", str(tmp_path / "ca.pem"), "-CAkey", str(tmp_path / "ca.key"), "-set_serial", "7"]
    return subprocess.run(
        [
            "openssl",
            "x509",
            "-req",
            "-in",
            str(tmp_path / "v1.csr"),
            "-days",
            "30",
            "-outform",
            "DER",
            *signer,
        ],
        capture_output=True,
        check=True,
    ).stdout


def resigned_with_name(pki, placeholder: str, replacement: bytes) -> bytes:
    """A self-signed RSA root whose CN bytes are swapped after building, then signed again.

    cryptography will not build (or load) such names, OpenSSL loads them. The
    replacement has the placeholder's length and RSA signatures have a fixed
    size, so every DER length stays valid.
    """
    key = pki.key("rsa2048")
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "icaclient test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, placeholder, _ASN1Type.PrintableString),
        ]
    )
    cert = pki.issue("unused", key=key, subject=name).cert
    der = cert.public_bytes(serialization.Encoding.DER)
    tbs = cert.tbs_certificate_bytes
    new_tbs = tbs.replace(placeholder.encode(), replacement)
    new_signature = key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA256())
    return der.replace(tbs, new_tbs).replace(cert.signature, new_signature)


# ---------------------------------------------------------------------------
# Formats


def _inputs(pki, case: str) -> tuple[bytes, list]:
    root, inter = pki.root, pki.intermediate
    if case == "pem":
        return root.pem, [root]
    if case == "der":
        return root.der, [root]
    if case == "crlf_pem":
        return root.pem.replace(b"\n", b"\r\n"), [root]
    if case == "bundle":
        return inter.pem + root.pem, [inter, root]
    if case == "bundle_with_text":
        return b"subject=CN = Test Issuing CA\n" + inter.pem + b"\n# the root\n" + root.pem, [inter, root]
    if case == "pkcs7_der":
        return pkcs7.serialize_certificates([inter.cert, root.cert], serialization.Encoding.DER), [
            inter,
            root,
        ]
    if case == "pkcs7_pem":
        return pkcs7.serialize_certificates([root.cert], serialization.Encoding.PEM), [root]
    if case == "trusted_certificate":
        trusted = openssl("x509", "-addtrust", "serverAuth", "-trustout", data=root.pem)
        assert b"BEGIN TRUSTED CERTIFICATE" in trusted.stdout
        return trusted.stdout, [root]
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "source_format"),
    [
        ("pem", "pem"),
        ("der", "der"),
        ("crlf_pem", "pem"),
        ("bundle", "bundle"),
        ("bundle_with_text", "bundle"),
        ("pkcs7_der", "pkcs7"),
        ("pkcs7_pem", "pkcs7"),
        ("trusted_certificate", "pem"),
    ],
)
def test_load_formats(pki, case, source_format):
    data, expected = _inputs(pki, case)
    certs = load_certificates(data)
    assert [c.fingerprint_sha256 for c in certs] == [e.fingerprint for e in expected]
    assert {c.source_format for c in certs} == {source_format}
    assert [c.position for c in certs] == list(range(1, len(expected) + 1))
    for cert, issued in zip(certs, expected):
        # the normalised PEM is what cryptography (and openssl) write for the certificate
        assert cert.pem == issued.pem.decode()
        assert cert.subject == issued.cert.subject.rfc4514_string()
        assert cert.subject_hash == openssl_hash(issued.der)


def test_facts_of_a_root(pki):
    (cert,) = load_certificates(pki.root.pem, now=datetime.datetime(2030, 1, 1, tzinfo=UTC))
    root = pki.root.cert
    assert cert.subject == cert.issuer == "CN=Test Root CA,O=icaclient test PKI"
    assert cert.subject_cn == "Test Root CA"
    assert cert.serial == openssl_serial(pki.root.der)
    assert cert.not_after == root.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert cert.not_before == root.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert cert.days_left == (root.not_valid_after_utc - datetime.datetime(2030, 1, 1, tzinfo=UTC)).days
    assert (cert.key_type, cert.key_bits) == ("RSA", 2048)
    assert (cert.is_ca, cert.self_signed, cert.expired, cert.version) == (True, True, False, 3)
    facts = cert.summary()
    assert "der" not in facts and facts["fingerprint_sha256"] == pki.root.fingerprint


def test_intermediate_is_a_ca_but_not_self_signed(pki):
    (cert,) = load_certificates(pki.intermediate.der)
    assert cert.is_ca and not cert.self_signed and not cert.self_issued
    assert cert.key_type == "EC (secp256r1)" and cert.key_bits == 256
    assert cert.issuer == "CN=Test Root CA,O=icaclient test PKI"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("empty", "the input is empty"),
        ("whitespace", "the input is empty"),
        ("garbage", "neither PEM"),
        ("binary_garbage", "not valid DER"),
        ("truncated_pem", "truncated"),
        ("pem_missing_lines", "cannot be parsed"),
        ("bad_base64", "not base64"),
        ("truncated_der", "not valid DER"),
        ("private_key", "PRIVATE KEY: refusing to put key material into the keystore"),
        ("csr", "CERTIFICATE REQUEST, not a CERTIFICATE"),
        ("bundle_second_broken", "truncated"),
    ],
)
def test_unloadable_input(pki, case, message):
    pem = pki.root.pem
    lines = pem.splitlines(keepends=True)
    data = {
        "empty": b"",
        "whitespace": b" \n\t\r\n",
        "garbage": b"this is not a certificate\n",
        "binary_garbage": b"\x30\x82\x10\x00" + bytes(range(256)),
        "truncated_pem": pem[: len(pem) // 2],
        "pem_missing_lines": b"".join(lines[:3] + lines[-2:]),
        "bad_base64": pem.replace(b"M", b"*", 1),
        "truncated_der": pki.root.der[:-20],
        "private_key": pki.intermediate.pem + pki.intermediate.key_pem,
        "csr": x509.CertificateSigningRequestBuilder()
        .subject_name(pki.root.cert.subject)
        .sign(pki.root.key, hashes.SHA256())
        .public_bytes(serialization.Encoding.PEM),
        "bundle_second_broken": pki.intermediate.pem + pem[: len(pem) // 2],
    }[case]
    with pytest.raises(IcaClientError, match=message):
        load_certificates(data)


# ---------------------------------------------------------------------------
# Names cryptography refuses and OpenSSL accepts (and one OpenSSL refuses)


def test_printable_string_with_control_character_still_loads(pki):
    der = resigned_with_name(pki, "Bad Name", b"Bad\x01Name")
    with pytest.raises(ValueError):
        x509.load_der_x509_certificate(der)  # the library refuses it...
    (cert,) = load_certificates(der)  # ...we do not, as OpenSSL does not
    assert cert.name_fallback
    assert cert.subject == "CN=Bad\\01Name,O=icaclient test PKI"
    assert cert.subject_cn == "Bad\x01Name"
    assert cert.subject_hash == openssl_hash(der)
    assert cert.self_signed and cert.is_ca and cert.key_bits == 2048
    assert any("cryptography refuses its names" in note for note in cert.notes)


def test_visible_string_name_is_refused_like_openssl(pki):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Visible CA", _ASN1Type.VisibleString)])
    issued = pki.issue("unused", subject=name)
    assert openssl("x509", "-inform", "DER", "-noout", "-hash", data=issued.der).returncode != 0
    with pytest.raises(IcaClientError, match="would not load it"):
        load_certificates(issued.der)


# ---------------------------------------------------------------------------
# Judging for the keystore


def _judge_case(pki, tmp_path, case: str) -> bytes:
    now = datetime.datetime.now(UTC)
    if case == "root":
        return pki.root.pem
    if case == "ec384_root":
        from cryptography.hazmat.primitives.asymmetric import ec

        return pki.issue("EC 384 Root", key=ec.generate_private_key(ec.SECP384R1())).pem
    if case == "rsa4096_root":
        return pki.issue("RSA 4096 Root", key=pki.key("rsa4096")).pem
    if case == "rsa8192_root":
        return pki.issue("RSA 8192 Root", key=pki.key("rsa8192")).pem
    if case == "leaf":
        return pki.leaf.pem
    if case == "intermediate":
        return pki.intermediate.pem
    if case == "expired_root":
        return pki.issue(
            "Expired Root",
            not_before=now - datetime.timedelta(days=800),
            not_after=now - datetime.timedelta(days=2),
        ).pem
    if case == "v1_root":
        return v1_certificate(pki, tmp_path, self_signed=True)
    if case == "v1_intermediate":
        return v1_certificate(pki, tmp_path, self_signed=False)
    if case == "keycertsign_without_basic_constraints":
        return pki.issue("KU only CA", ca=None, key_cert_sign=True).pem
    if case == "ca_without_keycertsign":
        return pki.issue("CA no KU signing", ca=True, key_cert_sign=False).pem
    raise AssertionError(case)


@pytest.mark.parametrize(
    ("case", "kind", "codes", "message"),
    [
        ("root", "root", [], None),
        ("ec384_root", "root", [], None),
        ("rsa4096_root", "root", [], None),
        ("rsa8192_root", "root", ["key_over_4096"], "RSA key is 8192 bits, the client accepts at most 4096"),
        ("leaf", "intermediate", ["not_ca"], r"it is not a CA certificate \(basicConstraints CA:FALSE\)"),
        (
            "leaf",
            "root",
            ["not_ca", "not_self_signed"],
            r"it is not self-signed \(issued by CN=Test Issuing CA",
        ),
        ("intermediate", "intermediate", [], None),
        ("intermediate", "root", ["not_self_signed"], "add it with kind=intermediate"),
        ("expired_root", "root", ["expired"], "expired on .*set expired=warn to add it anyway"),
        ("v1_root", "root", [], None),
        ("v1_intermediate", "intermediate", ["not_ca"], "no basicConstraints extension"),
        ("keycertsign_without_basic_constraints", "root", [], None),
        ("ca_without_keycertsign", "root", ["not_ca"], "keyUsage without keyCertSign"),
    ],
)
def test_judge_for_keystore(pki, tmp_path, case, kind, codes, message):
    (cert,) = load_certificates(_judge_case(pki, tmp_path, case))
    assert [code for code, _text in keystore_problems(cert, kind=kind)] == codes
    if not codes:
        assert check_for_keystore([cert], kind=kind, expired_policy="refuse", context=CONTEXT) == []
        return
    with pytest.raises(IcaClientError) as caught:
        check_for_keystore([cert], kind=kind, expired_policy="refuse", context=CONTEXT)
    assert caught.value.message.startswith(CONTEXT + ": ")
    assert caught.value.details["problems"] == sorted(codes)
    assert re.search(message, caught.value.message), caught.value.message


def test_v1_root_counts_as_ca_like_openssl(pki, tmp_path):
    (cert,) = load_certificates(v1_certificate(pki, tmp_path, self_signed=True))
    assert cert.version == 1 and cert.is_ca and "version 1" in cert.ca_reason


def test_forged_root_names_the_signature(pki, tmp_path):
    """Subject equal to issuer is not enough: the signature must verify with the certificate's own key."""
    key = pki.fresh_key()
    other = pki.fresh_key()
    now = datetime.datetime.now(UTC)
    name = pki.root.cert.subject
    forged = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(5)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(other, hashes.SHA256())
    )
    (cert,) = load_certificates(forged.public_bytes(serialization.Encoding.PEM))
    assert cert.self_issued and not cert.self_signed
    with pytest.raises(IcaClientError, match="its signature does not verify with its own key"):
        check_for_keystore([cert], kind="root", expired_policy="refuse", context=CONTEXT)


def test_expired_policy_warn_adds_with_a_warning(pki, tmp_path):
    (cert,) = load_certificates(_judge_case(pki, tmp_path, "expired_root"))
    warnings = check_for_keystore([cert], kind="root", expired_policy="warn", context=CONTEXT)
    assert len(warnings) == 1 and "expired on" in warnings[0] and "expired=warn" in warnings[0]


def test_a_bundle_is_judged_whole_and_names_the_bad_member(pki):
    certs = load_certificates(pki.root.pem + pki.leaf.pem + pki.intermediate.pem)
    with pytest.raises(IcaClientError) as caught:
        check_for_keystore(certs, kind="intermediate", expired_policy="refuse", context=CONTEXT)
    assert "certificate 2 of 3 (CN=server.test,O=icaclient test PKI): it is not a CA" in caught.value.message
    assert re.findall(r"certificate \d of 3", caught.value.message) == ["certificate 2 of 3"]


def test_self_signed_intermediate_warns(pki):
    (cert,) = load_certificates(pki.root.pem)
    warnings = check_for_keystore([cert], kind="intermediate", expired_policy="refuse", context=CONTEXT)
    assert warnings == [
        f"certificate {cert.subject} is self-signed: the client trusts it only as a root (kind=root)"
    ]


# ---------------------------------------------------------------------------
# Small helpers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ab" * 32, ":".join(["AB"] * 32)),
        (":".join(["ab"] * 32), ":".join(["AB"] * 32)),
        ("sha256:" + "0F" * 32, ":".join(["0F"] * 32)),
        (" " + "12" * 32 + "\n", ":".join(["12"] * 32)),
    ],
)
def test_normalise_fingerprint(value, expected):
    assert normalise_fingerprint(value) == expected


@pytest.mark.parametrize("value", ["", "ab" * 31, "zz" * 32, "ab" * 33])
def test_normalise_fingerprint_refuses(value):
    with pytest.raises(IcaClientError, match="not a SHA-256 fingerprint"):
        normalise_fingerprint(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Test Root CA", "test-root-ca"),
        ("Certum Trusted Network CA 2", "certum-trusted-network-ca-2"),
        ("Größte Wurzel-CA", "grote-wurzel-ca"),
        ("../../etc/passwd", "etc-passwd"),
        ("  --..weird__name..--  ", "weird-name"),
        ("日本語", ""),
    ],
)
def test_slug(text, expected):
    assert slug(text) == expected


def test_der_to_pem_matches_openssl(pki):
    assert (
        der_to_pem(pki.intermediate.der)
        == openssl("x509", "-inform", "DER", data=pki.intermediate.der).stdout.decode()
    )


def test_negative_serial_loads_quietly(pki):
    """Old stock roots carry serials RFC 5280 forbids; OpenSSL loads them, cryptography warns (and will refuse)."""
    key = pki.key("rsa2048")
    cert = pki.issue("Negative Serial Root", key=key).cert
    der = cert.public_bytes(serialization.Encoding.DER)
    tbs = cert.tbs_certificate_bytes
    serial = cert.serial_number.to_bytes(20, "big", signed=True)
    negative = bytes([serial[0] | 0x80]) + serial[1:]
    assert serial in tbs
    new_tbs = tbs.replace(serial, negative, 1)
    signed = der.replace(tbs, new_tbs).replace(
        cert.signature, key.sign(new_tbs, padding.PKCS1v15(), hashes.SHA256())
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may reach a module's stderr
        (info,) = load_certificates(signed)
    assert info.serial == openssl_serial(signed)  # same text as OpenSSL: "-" and even-length hex
    assert info.self_signed and info.is_ca and info.subject_hash == openssl_hash(signed)


def _common_name_der(value_tlv: bytes) -> bytes:
    """A Name of one RDN, CN = the value given as its DER."""
    common_name = encode_tlv(0x06, bytes((0x55, 0x04, 0x03)))
    return encode_tlv(0x30, encode_tlv(0x31, encode_tlv(0x30, common_name + value_tlv)))


@pytest.mark.parametrize(
    ("value_tlv", "shown"),
    [
        (b"\x0c\x03abc", "abc"),  # UTF8String
        (b"\x13\x03abc", "abc"),  # PrintableString
        (b"\x1e\x04\x00h\x00\xe9", "h\u00e9"),  # BMPString
        (b"\x2c\x07\x0c\x02ab\x0c\x01c", "abc"),  # a constructed UTF8String: its pieces joined
        (b"\x0c\x02\xc3\x28", "#0c02c328"),  # not UTF-8: OpenSSL cannot read it, shown as its DER
        (b"\x1e\x02\xd8\x00", "#1e02d800"),  # a BMPString surrogate: the same
        (b"\x02\x01\x05", "#020105"),  # not a string type
    ],
)
def test_names_are_shown_as_the_subject_hash_reads_them(value_tlv, shown):
    """One decoder of name strings: what render_name shows is what the subject hash canonicalises."""
    assert render_name(_common_name_der(value_tlv)) == f"CN={shown}"
    if not shown.startswith("#"):
        assert name_hash(_common_name_der(value_tlv)) == name_hash(
            _common_name_der(encode_tlv(0x0C, shown.encode()))
        )

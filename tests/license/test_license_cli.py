"""`prodtool package ...` and `prodtool ledger ...` as scripts and QA call them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from prodtool.cli.main import main
from prodtool.families.esp.appimage import make_app_image
from prodtool.license.builder import demo_licenses
from prodtool.license.package import open_package
from prodtool.license.trust import TrustStore

PASSWORD = "download-pass-123"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pw(tmp_path: Path) -> Path:
    path = tmp_path / "pw.txt"
    path.write_text(PASSWORD + "\n")
    return path


def _build_demo(capsys: pytest.CaptureFixture[str], tmp_path: Path, pw: Path, *extra: str) -> Path:
    out = tmp_path / "demo.prodpkg"
    code, stdout, err = _run(
        capsys,
        "package",
        "build",
        "--out",
        str(out),
        "--password-file",
        str(pw),
        "--demo-licenses",
        "6",
        "--seed",
        "4",
        "--demo",
        "--kdf-test-cost",
        "4",
        *extra,
    )
    assert code == 0, err
    assert "DEMO" in stdout
    return out


def test_build_inspect_load_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pw: Path, data_dir: Path
) -> None:
    firmware = tmp_path / "app.bin"
    firmware.write_bytes(make_app_image(version="2.1.0", size=4096, chip="esp32"))
    pkg = _build_demo(
        capsys,
        tmp_path,
        pw,
        "--firmware",
        f"{firmware}@0x10000",
        "--firmware-version",
        "2.1.0",
        "--min-firmware-version",
        "2.0.0",
        "--feature",
        "V1:Voice:paid:optional",
        "--auth-method",
        "esp-idf-nvs",
        "--nvs",
        "0x3f0000:0x6000:tuya",
        "--chip",
        "esp32",
    )
    code, out, _ = _run(capsys, "package", "inspect", str(pkg))
    assert code == 0
    assert "DEMO PACKAGE" in out and "credential" in out and "V1 Voice (paid, optional)" in out
    assert "esp-idf-nvs at 0x3f0000" in out and "esp32" in out

    code, out, _ = _run(
        capsys, "package", "inspect", str(pkg), "--password-file", str(pw), "--json"
    )
    assert code == 0
    report = json.loads(out)
    assert report["licenses_checked"] and report["demo"]
    assert report["manifest"]["license_count"] == 6
    assert report["manifest"]["firmware"][0]["offset"] == 0x10000
    assert "encryption" not in report["manifest"]
    for lic in demo_licenses(6, seed=4):
        assert lic.authkey not in out

    code, out, _ = _run(capsys, "package", "load", str(pkg), "--password-file", str(pw))
    assert code == 0 and out.startswith("loaded DEMO package")
    code, out, _ = _run(capsys, "package", "load", str(pkg), "--password-file", str(pw))
    assert code == 0 and out.startswith("already loaded")
    code, out, _ = _run(capsys, "ledger", "status", "--json", "--check")
    status = json.loads(out)
    assert status["invariants_checked"]
    assert status["packages"][0]["counts"]["available"] == 6
    code, out, _ = _run(capsys, "ledger", "status")
    assert code == 0 and "available" in out and "DEMO" in out
    assert (data_dir / "ledger.sqlite3").exists()


def test_wrong_password_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pw: Path
) -> None:
    pkg = _build_demo(capsys, tmp_path, pw)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("nope")
    code, out, err = _run(capsys, "package", "load", str(pkg), "--password-file", str(wrong))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "password does not open" in err and "Traceback" not in err
    assert "nope" not in err


def test_own_issuer_keygen_trust_and_build_from_a_list(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pw: Path, data_dir: Path
) -> None:
    code, out, _ = _run(capsys, "package", "keygen", "--out", str(tmp_path / "keys"))
    assert code == 0
    private = next((tmp_path / "keys").glob("*-private.pem"))
    public = next((tmp_path / "keys").glob("*-public.pem"))
    assert private.stat().st_mode & 0o777 == 0o600
    licenses = demo_licenses(3, seed=8)
    csv = tmp_path / "list.csv"
    csv.write_text("UUID;AuthKey\n" + "".join(f"{x.uuid};{x.authkey}\n" for x in licenses))
    pkg = tmp_path / "own.prodpkg"
    code, out, err = _run(
        capsys,
        "package",
        "build",
        "--out",
        str(pkg),
        "--password-file",
        str(pw),
        "--licenses",
        str(csv),
        "--signing-key",
        str(private),
        "--kdf-test-cost",
        "4",
        "--product-name",
        "Lamp",
        "--order-number",
        "O-1",
    )
    assert code == 0, err
    code, out, err = _run(capsys, "package", "inspect", str(pkg))
    assert code == 2 and "unknown issuer" in err and "prodtool package trust" in err
    pin = tmp_path / "pin.txt"
    pin.write_text("2468\n")
    code, out, _ = _run(capsys, "package", "trust", str(public), "--pin-file", str(pin))
    assert code == 0 and "trusted issuer key" in out
    code, out, _ = _run(capsys, "package", "inspect", str(pkg))
    assert code == 0 and "DEMO" not in out and "Lamp" in out and "authorization-only" in out
    package = open_package(pkg, PASSWORD, TrustStore(data_dir / "trusted-issuers"))
    assert list(package.licenses()) == licenses


def test_import_list_and_refusals(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pw: Path
) -> None:
    licenses = demo_licenses(2, seed=9)
    csv = tmp_path / "list.csv"
    csv.write_text("".join(f"{x.uuid},{x.authkey}\n" for x in licenses) + "bad,row\n")
    code, _, err = _run(capsys, "ledger", "import-list", str(csv))
    assert code == 2 and "row 3" in err and err.count("\n") == 1
    for lic in licenses:
        assert lic.authkey not in err
    csv.write_text("".join(f"{x.uuid},{x.authkey}\n" for x in licenses))
    code, out, _ = _run(capsys, "ledger", "import-list", str(csv), "--product-name", "Fan")
    assert code == 0 and "imported 2 licenses" in out
    code, out, _ = _run(capsys, "ledger", "status", "--json")
    assert json.loads(out)["packages"][0]["delivery_mode"] == "license-list"

    code, _, err = _run(
        capsys,
        "package",
        "build",
        "--out",
        str(tmp_path / "x.prodpkg"),
        "--password-file",
        str(pw),
        "--demo-licenses",
        "2",
    )
    assert code == 2 and "--signing-key" in err
    code, _, err = _run(
        capsys,
        "package",
        "build",
        "--out",
        str(tmp_path / "x.prodpkg"),
        "--password-file",
        str(tmp_path / "missing.txt"),
        "--demo-licenses",
        "2",
        "--demo",
    )
    assert code == 2 and "password file" in err
    code, _, err = _run(
        capsys,
        "package",
        "build",
        "--out",
        str(tmp_path / "x.prodpkg"),
        "--password-file",
        str(pw),
        "--demo-licenses",
        "2",
        "--demo",
        "--mode",
        "credential",
    )
    assert code == 2 and "--firmware" in err


def test_data_dir_option_overrides_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, pw: Path, data_dir: Path
) -> None:
    pkg = _build_demo(capsys, tmp_path, pw)
    other = tmp_path / "other-station"
    code, _, _ = _run(
        capsys, "package", "load", str(pkg), "--password-file", str(pw), "--data-dir", str(other)
    )
    assert code == 0
    assert (other / "ledger.sqlite3").exists() and not (data_dir / "ledger.sqlite3").exists()
    code, out, _ = _run(capsys, "--data-dir", str(other), "ledger", "status", "--json")
    assert len(json.loads(out)["packages"]) == 1

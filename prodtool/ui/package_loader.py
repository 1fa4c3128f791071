"""Loading a package or License List from the window, in the order a person needs:

1. the station's state: no package is switched while chips are being written;
2. for a package, everything that needs no password (signature, issuer, contents) in the
   background, so an unknown issuer is said before anyone types a password;
3. a switch says what is left in the current package (it stays in the ledger) and asks;
4. a License List (it replaces the station's license source) asks the supervisor PIN;
5. the password dialog stays open on a wrong password (`PasswordDialog.unlock`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from prodtool.errors import UserError
from prodtool.license.model import Manifest
from prodtool.license.package import verify_package
from prodtool.license.trust import TrustStore
from prodtool.ui.dialogs import PasswordDialog

if TYPE_CHECKING:
    from prodtool.ui.window import StationWindow

LICENSE_LIST_SUFFIXES = (".csv", ".xlsx")


def is_license_list(path: Path) -> bool:
    return path.suffix.lower() in LICENSE_LIST_SUFFIXES


@dataclass(frozen=True)
class Checked:
    """What the password-free check found: the new package's manifest (None for a License
    List) and how many licenses are left in the one loaded now (None: nothing loaded)."""

    manifest: Manifest | None
    left_now: int | None


class PackageLoader(QObject):
    """The window's load flow; `load(path)` starts it, the window shows the result."""

    def __init__(self, window: StationWindow) -> None:
        super().__init__(window)
        self.window = window

    def load(self, path: Path) -> None:
        window, station = self.window, self.window.station
        if station is None:
            return
        if any(port.state.is_busy for port in station.ports()):
            window.notice.say(
                self.tr("Chips are being written: load %1 when they are done.").replace(
                    "%1", path.name
                ),
                "warn",
            )
            return
        paths = window.paths
        listing = is_license_list(path)

        def check() -> Checked:
            trust = TrustStore.for_station(paths)
            manifest = None if listing else verify_package(path, trust).manifest
            loaded = station.manifest
            return Checked(manifest, station.summary().licenses_left if loaded else None)

        window.load_action.setEnabled(False)
        window.run_task("check-package", check, lambda c: self._checked(path, c), self._failed)

    def _checked(self, path: Path, checked: Checked) -> None:
        window, station = self.window, self.window.station
        if station is None:  # the window is closing
            window.load_action.setEnabled(True)
            return
        if checked.left_now and not self._switch_ok(path, checked.left_now):
            window.load_action.setEnabled(True)
            window.notice.say(self.tr("%1 was not loaded.").replace("%1", path.name), "warn")
            return
        if checked.manifest is None:
            if not window.supervisor.authorize(window, self.tr("Loading a License List")):
                window.load_action.setEnabled(True)
                window.notice.say(self.tr("The License List was not loaded."), "warn")
                return
            work: Callable[[], Manifest] = lambda: station.load_license_list(path)  # noqa: E731
            window.notice.say(self.tr("Opening %1…").replace("%1", path.name), "info")
            window.run_task("load", work, lambda m: self._loaded(m, path), self._failed)
            return
        try:
            manifest = PasswordDialog.unlock(
                window, path.name, lambda password: station.load_package(path, password)
            )
        except UserError as error:
            self._failed(error)
            return
        if manifest is None:
            window.load_action.setEnabled(True)
            window.notice.say(self.tr("%1 was not loaded.").replace("%1", path.name), "warn")
            return
        self._loaded(manifest, path)

    def _switch_ok(self, path: Path, left: int) -> bool:
        package = self.window.package
        current = (package.order_number or package.file_name) if package else ""
        answer = QMessageBox.question(
            self.window,
            self.tr("Switch packages"),
            self.tr(
                "The loaded package %1 still has %2 license(s) left. They stay in this "
                "station's ledger and are used again when you load it later. Load %3 instead?"
            )
            .replace("%1", current or "–")
            .replace("%2", str(left))
            .replace("%3", path.name),
        )
        return answer == QMessageBox.StandardButton.Yes

    def _loaded(self, manifest: Manifest, path: Path) -> None:
        self.window._package_loaded(manifest, path)

    def _failed(self, error: Any) -> None:
        self.window._load_failed(error)

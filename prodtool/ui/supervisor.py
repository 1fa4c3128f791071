"""The supervisor's PIN gate: settings, issuer keys, License Lists and the ledger need it.

The PIN is set at the station's first start by whoever installs it (or with
`prodtool supervisor set-pin`), kept only as a salted scrypt hash in the settings, and checked
by `prodtool.supervisor_pin.PinGate`, which makes wrong tries wait. It is never shown or logged.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QDialog, QWidget

from prodtool.settings import Settings
from prodtool.supervisor_pin import PinGate
from prodtool.ui.pin_dialog import PinCheckDialog, PinSetDialog


def _run(dialog: QDialog) -> bool:
    try:
        return dialog.exec() == QDialog.DialogCode.Accepted
    finally:
        dialog.deleteLater()


class Supervisor:
    """Asks for the PIN; `settings()` and `store()` read and persist the station's settings."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        store: Callable[[Settings], None],
        attempts_file: Path,
    ) -> None:
        self.gate = PinGate(attempts_file, settings, store)

    def has_pin(self) -> bool:
        return self.gate.has_pin()

    def authorize(self, parent: QWidget | None, purpose: str) -> bool:
        """True once the supervisor typed the right PIN (or, with none yet, chose one)."""
        if not self.has_pin():
            return self.set_pin(parent)
        return _run(PinCheckDialog(self.gate, purpose, parent))

    def set_pin(self, parent: QWidget | None) -> bool:
        """Choose the first PIN or change it; False when cancelled (nothing changed)."""
        return _run(PinSetDialog(self.gate, parent))

    def first_start(self, parent: QWidget | None) -> bool:
        """At the station's first start, whoever installs it sets the PIN (they may skip)."""
        return self.has_pin() or self.set_pin(parent)

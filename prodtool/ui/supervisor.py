"""The supervisor's PIN gate: settings, new issuer keys and quarantined licenses need it.

The PIN is chosen on first use (or in Settings) and kept only as a salted scrypt hash in the
settings (`prodtool.settings.hash_pin`); it is never stored, shown or logged in clear.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from prodtool.settings import Settings, check_pin, hash_pin
from prodtool.ui.dialogs import PinDialog


class Supervisor:
    """Asks for the PIN; `settings()` and `store()` read and persist the station's settings."""

    def __init__(self, settings: Callable[[], Settings], store: Callable[[Settings], None]) -> None:
        self._settings = settings
        self._store = store

    def has_pin(self) -> bool:
        return bool(self._settings().supervisor_pin_hash)

    def authorize(self, parent: QWidget | None, purpose: str) -> bool:
        """True once the supervisor typed the right PIN (or chose the first one)."""
        if not self.has_pin():
            return self.choose_pin(parent, purpose)
        pin = PinDialog.get_pin(parent, purpose, new=False)
        return pin is not None and check_pin(pin, self._settings().supervisor_pin_hash)

    def choose_pin(self, parent: QWidget | None, purpose: str) -> bool:
        pin = PinDialog.get_pin(parent, purpose, new=True)
        if pin is None:
            return False
        self._store(self._settings().replace(supervisor_pin_hash=hash_pin(pin)))
        return True

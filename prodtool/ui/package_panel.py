"""What is loaded: the order, the product, the firmware, the features, the licenses left.

Shows a `PackageInfo` (built from a credential package's manifest or a License List), says in
words what the package cannot do, and marks a DEMO package so nobody ships one by mistake.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from prodtool.ui.package_info import DeliveryKind, PackageInfo
from prodtool.ui.shift import licenses_low


def _value_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class PackagePanel(QScrollArea):
    """The loaded package, or an invitation to load one (button or drag and drop)."""

    load_requested = Signal()
    file_dropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info: PackageInfo | None = None
        self.licenses_left: int | None = None
        self.setWidgetResizable(True)
        self.setAcceptDrops(True)
        self.setMinimumWidth(280)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.title = QLabel()
        title_font = QFont()
        title_font.setPointSize(14)
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.demo_banner = QLabel()
        self.demo_banner.setObjectName("demo")
        self.demo_banner.setWordWrap(True)
        self.demo_banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner_font = QFont()
        banner_font.setPointSize(13)
        banner_font.setBold(True)
        self.demo_banner.setFont(banner_font)
        self.demo_banner.setStyleSheet(
            "#demo { background: #ffeb3b; color: #000; border: 3px dashed #e65100; padding: 6px; }"
        )
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.load_button = QPushButton()
        self.load_button.setMinimumHeight(36)
        self.load_button.clicked.connect(self.load_requested)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._rows: list[tuple[QLabel, QLabel]] = []
        for _ in range(12):
            pair = (QLabel(), _value_label())
            pair[0].setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            self._rows.append(pair)
            self.form.addRow(*pair)
        self.licenses = QLabel()
        licenses_font = QFont()
        licenses_font.setPointSize(13)
        licenses_font.setBold(True)
        self.licenses.setFont(licenses_font)
        self.licenses.setWordWrap(True)
        self.limits = QLabel()
        self.limits.setWordWrap(True)
        self.limits.setObjectName("limits")
        self.limits.setStyleSheet(
            "#limits { background: #e3f2fd; border-left: 4px solid #1e88e5; padding: 6px; }"
        )
        frame = QFrame()
        frame.setLayout(self.form)
        layout.addWidget(self.title)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.hint)
        layout.addWidget(frame)
        layout.addWidget(self.licenses)
        layout.addWidget(self.limits)
        layout.addWidget(self.load_button)
        layout.addStretch(1)
        self.setWidget(body)
        self.retranslate()

    def show_package(self, info: PackageInfo | None, licenses_left: int | None = None) -> None:
        self.info = info
        self.licenses_left = (
            licenses_left if licenses_left is not None else (info.license_count if info else None)
        )
        self.retranslate()

    def set_licenses_left(self, left: int | None) -> None:
        self.licenses_left = left
        self._show_licenses()

    # ------------------------------------------------------------------ words
    def retranslate(self) -> None:
        info = self.info
        self.load_button.setText(
            self.tr("Load package…") if info is None else self.tr("Load another package…")
        )
        if info is None:
            self.title.setText(self.tr("No package loaded"))
            self.hint.setText(
                self.tr(
                    "Load the credential package (or License List) for this order: click the "
                    "button below or drop the file here."
                )
            )
            self.hint.show()
            self.demo_banner.hide()
            for label, value in self._rows:
                label.hide()
                value.hide()
            self.licenses.hide()
            self.limits.hide()
            return
        self.hint.hide()
        self.title.setText(info.product_name or info.product_id)
        self.demo_banner.setVisible(info.demo)
        self.demo_banner.setText(
            self.tr(
                "DEMO PACKAGE: its licenses do not work in the cloud. Do not ship these modules."
            )
        )
        rows = self._row_texts(info)
        for (label, value), row in zip(self._rows, rows + [None] * len(self._rows), strict=False):
            if row is None:
                label.hide()
                value.hide()
                continue
            label.setText(row[0])
            value.setText(row[1])
            label.show()
            value.show()
        limits = self.limit_sentences(info)
        self.limits.setText("\n".join(f"• {sentence}" for sentence in limits))
        self.limits.setVisible(bool(limits))
        self._show_licenses()

    def _row_texts(self, info: PackageInfo) -> list[tuple[str, str]]:
        dash = "–"
        features = "\n".join(
            "{} ({}, {})".format(
                feature.name or feature.code,
                self.tr("paid") if feature.paid else self.tr("free"),
                self.tr("required") if feature.required else self.tr("optional"),
            )
            for feature in info.features
        )
        firmware = "\n".join(
            f"{name.rsplit('/', 1)[-1]} {version}".strip() for name, version in info.firmware
        ) or self.tr("none in this package")
        source = (
            self.tr("License List")
            if info.kind == DeliveryKind.LICENSE_LIST
            else self.tr("Credential package")
        )
        return [
            (self.tr("File:"), f"{info.file_name} ({source})"),
            (self.tr("Order number:"), info.order_number or dash),
            (self.tr("Pickup list:"), info.pickup_list or dash),
            (self.tr("Product:"), f"{info.product_name} ({info.product_id})".strip()),
            (self.tr("Category:"), info.category or dash),
            (self.tr("Communication:"), ", ".join(info.communication) or dash),
            (self.tr("Delivery mode:"), self.delivery_words(info.delivery)),
            (self.tr("Chip:"), info.chip_family or dash),
            (self.tr("Firmware:"), firmware),
            (self.tr("Minimum firmware:"), info.min_firmware_version or dash),
            (self.tr("Features:"), features or dash),
        ]

    def delivery_words(self, kind: DeliveryKind) -> str:
        return {
            DeliveryKind.CREDENTIAL: self.tr("Firmware and license"),
            DeliveryKind.AUTHORIZATION_ONLY: self.tr("Authorization only"),
            DeliveryKind.LICENSE_LIST: self.tr("License List"),
        }[kind]

    def limit_sentences(self, info: PackageInfo) -> list[str]:
        """What this package cannot do, in words."""
        out: list[str] = []
        if info.delivery == DeliveryKind.AUTHORIZATION_ONLY:
            out.append(
                self.tr(
                    "Authorization Only: this package writes no firmware. The modules must "
                    "already run the product's firmware; only the license is written."
                )
            )
        if info.delivery == DeliveryKind.LICENSE_LIST:
            out.append(
                self.tr(
                    "License List: it carries no firmware and no firmware check. The station "
                    "cannot tell whether the firmware on a module is the right one."
                )
            )
        if info.delivery != DeliveryKind.LICENSE_LIST and info.min_firmware_version:
            out.append(
                self.tr("Modules with firmware older than %1 are refused.").replace(
                    "%1", info.min_firmware_version
                )
            )
        return out

    def _show_licenses(self) -> None:
        info = self.info
        left = self.licenses_left
        if info is None or left is None:
            self.licenses.hide()
            return
        total = info.license_count
        text = self.tr("Licenses left: %1 of %2").replace("%1", str(left)).replace("%2", str(total))
        if left == 0:
            text += "\n" + self.tr("None left: load the next package.")
            style = "color: #b71c1c;"
        elif licenses_low(left, total):
            text += "\n" + self.tr("Running out: get the next package ready.")
            style = "color: #e65100;"
        else:
            style = "color: #1b5e20;"
        self.licenses.setText(text)
        if style != self.licenses.styleSheet():  # a new style sheet re-polishes the label
            self.licenses.setStyleSheet(style)
        self.licenses.show()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.file_dropped.emit(urls[0].toLocalFile())

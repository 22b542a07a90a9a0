"""What this kiosk records: for patients, in plain words, reached from every screen's footer.

The words live with the UI's own strings (resources/i18n/strings.yaml): they describe the kiosk, not the clinic's
content, and must stay true to `kiosk.services.usage`, which decides what is counted.
"""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import kinetic, label, line_width

SECTIONS = 3  # what is counted, what never is, and that nothing leaves the kiosk


class PrivacyScreen(Screen):
    name = "privacy"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.title = label("", "title", name="PrivacyTitle")
        self.parts = [(label("", "heading"), label("", "body")) for _ in range(SECTIONS)]
        inner = QWidget()
        inner.setObjectName("EndColumn")
        column = QVBoxLayout(inner)
        column.addWidget(self.title)
        for heading, body in self.parts:
            column.addWidget(heading)
            column.addWidget(body)
        column.addStretch(1)
        self.column = column
        self.inner = inner
        scroll = QScrollArea()
        scroll.setObjectName("EndScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        kinetic(scroll)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll)
        self._layout = layout

    def refresh(self) -> None:
        ctx = self.ctx
        m = ctx.metrics
        margin = m.px(48)
        self._layout.setContentsMargins(margin, m.px(24), margin, m.px(16))
        self.column.setSpacing(m.px(12))
        self.inner.setMaximumWidth(line_width(ctx.font(m.body)) + 2 * margin)
        self.title.setText(ctx.tr("privacy.title"))
        texts = (
            (ctx.tr("privacy.counted_title"), ctx.tr("privacy.counted")),
            (ctx.tr("privacy.never_title"), ctx.tr("privacy.never")),
            (ctx.tr("privacy.stays_title"), ctx.tr("privacy.stays"))
            if not ctx.source.shares_counts()  # a kiosk in a clinic group sends its daily totals to the group
            else (ctx.tr("privacy.shared_title"), ctx.tr("privacy.shared")),
        )
        for (heading, body), (heading_text, body_text) in zip(self.parts, texts, strict=True):
            heading.setText(heading_text)
            body.setText(body_text)
            heading.setContentsMargins(0, m.px(12), 0, 0)

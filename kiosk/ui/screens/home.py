"""Home: a tile per chapter (picture, title, one line), a large tile for questions, and the sources."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.services.catalogue import ChapterCard
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import PictureView, TapArea, TouchButton, clear_layout, icon_svg, kinetic, label


class ChapterTile(TapArea):
    def __init__(self, card: ChapterCard, ctx: Context, picture_height: int) -> None:
        super().__init__("Tile")
        self.chapter_id = card.id
        layout = QVBoxLayout(self)
        pad = ctx.metrics.px(16)
        layout.setContentsMargins(pad, pad, pad, pad)
        layout.setSpacing(ctx.metrics.px(8))
        self.picture = PictureView()
        self.picture.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.picture.set_picture(
            ctx.source.picture(card.image), card.title, ctx.tr("reader.picture_missing", alt="{alt}")
        )
        self.picture.set_ink(ctx.palette.ink)
        self.picture.setFixedHeight(picture_height)
        self.title = label(card.title, "body", name="TileTitle")
        self.summary = label(card.summary, "muted", name="TileSummary")
        for widget in (self.title, self.summary):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addWidget(self.picture)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self.setAccessibleName(card.title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)


class QuestionsTile(TapArea):
    def __init__(self, ctx: Context) -> None:
        super().__init__("FaqTile")
        layout = QVBoxLayout(self)
        pad = ctx.metrics.px(28)
        layout.setContentsMargins(pad, pad, pad, pad)
        self.icon = PictureView()
        self.icon.set_picture(icon_svg("questions", ctx.palette.accent_ink), "")
        self.icon.setFixedHeight(ctx.metrics.px(150))
        self.title = label(ctx.tr("home.questions_title"), "title", name="FaqTitle")
        self.summary = label(ctx.tr("home.questions_summary"), "body", name="TileSummary")
        for widget in (self.icon, self.title, self.summary):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout.addStretch(1)
        layout.addWidget(self.icon)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        self.setAccessibleName(self.title.text())
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)


class HomeScreen(Screen):
    name = "home"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading = label("", "title")
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        kinetic(self.scroll_area)
        self.body: QWidget | None = None
        self.tiles: dict[str, ChapterTile] = {}
        self.questions_tile: QuestionsTile | None = None
        self.reference_buttons: dict[str, TouchButton] = {}
        self.header = QBoxLayout(QBoxLayout.Direction.LeftToRight)  # portrait: the sources below the heading
        self.header.addWidget(self.heading, 1)
        self.references = QHBoxLayout()
        self.header.addLayout(self.references)
        layout = QVBoxLayout(self)
        layout.addLayout(self.header)
        layout.addWidget(self.scroll_area, 1)
        self._layout = layout

    def enter(self, **args: Any) -> None:
        self.scroll_area.verticalScrollBar().setValue(0)

    def refresh(self) -> None:
        m = self.ctx.metrics
        margin = m.px(32)
        self._layout.setContentsMargins(margin, m.px(20), margin, 0)
        self._layout.setSpacing(m.px(16))
        self.heading.setText(self.ctx.tr("home.title"))
        self.header.setDirection(
            QBoxLayout.Direction.TopToBottom if self.ctx.portrait else QBoxLayout.Direction.LeftToRight
        )
        self.header.setSpacing(m.px(12))
        catalogue = self.ctx.source.catalogue(self.ctx.lang)
        body = QWidget()
        grid = QGridLayout(body)
        gap = m.px(20)
        grid.setSpacing(gap)
        grid.setContentsMargins(0, 0, m.px(12), gap)
        width = max(self.width(), 640)
        topics = [c for c in catalogue.chapters if c.card.kind == "topic"]
        references = [c for c in catalogue.chapters if c.card.kind != "topic"]
        self.tiles = {}
        self.questions_tile = QuestionsTile(self.ctx)
        self.questions_tile.clicked.connect(lambda: self.go("faq"))
        if self.ctx.portrait:
            columns, first_row = 2, 1
            grid.addWidget(self.questions_tile, 0, 0, 1, columns)
            picture_height = m.px(220)
        elif width >= 1600:
            columns, first_row = 4, 0
            grid.addWidget(self.questions_tile, 0, 0, 2, 1)
            picture_height = m.px(150)
        else:
            columns, first_row = 4, 1
            grid.addWidget(self.questions_tile, 0, 0, 1, columns)
            picture_height = m.px(130)
        offset = 1 if (not self.ctx.portrait and width >= 1600) else 0
        for index, chapter in enumerate(topics):
            tile = ChapterTile(chapter.card, self.ctx, picture_height)
            tile.clicked.connect(lambda cid=chapter.id: self.go("reader", chapter=cid, page=0))
            self.tiles[chapter.id] = tile
            grid.addWidget(tile, first_row + index // columns, offset + index % columns)
        for column in range(offset, offset + columns):
            grid.setColumnStretch(column, 1)
        if offset:
            grid.setColumnStretch(0, 1)
        clear_layout(self.references)
        self.reference_buttons = {}
        for chapter in references:  # the sources: one quiet button beside the heading
            button = TouchButton(chapter.title)
            button.clicked.connect(lambda _=False, cid=chapter.id: self.go("reader", chapter=cid, page=0))
            self.reference_buttons[chapter.id] = button
            self.references.addWidget(button)
        if self.ctx.portrait:
            self.references.addStretch(1)
        grid.setRowStretch(first_row + (len(topics) + columns - 1) // columns, 1)
        old = self.scroll_area.takeWidget()
        if old is not None:
            old.deleteLater()
        self.scroll_area.setWidget(body)
        self.body = body

"""Home: a tile per chapter (picture, title, one line), a large tile for questions, and the sources.

The tiles are arranged for the space the screen has, not the one it had when it was made: as many columns as it
takes for every tile to show without scrolling, with pictures as large as that leaves room for. Only when even
small pictures cannot make them fit (the largest text on a small screen) does the page scroll.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QLayout,
    QLayoutItem,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
    QWidgetItem,
)

from kiosk.services.catalogue import ChapterCard
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import PictureView, TapArea, TouchButton, clear_layout, icon_svg, kinetic, label


class ChapterTile(TapArea):
    def __init__(self, card: ChapterCard, ctx: Context) -> None:
        super().__init__("Tile")
        self.chapter_id = card.id
        self.page_count = card.page_count
        self.ctx = ctx
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
        self.title = label(card.title, "body", name="TileTitle")
        self.summary = label(card.summary, "muted", name="TileSummary")
        self.resume = label("", "muted", name="TileResume")
        self.resume.hide()
        for widget in (self.picture, self.title, self.summary, self.resume):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            layout.addWidget(widget)
        layout.addStretch(1)
        self.box = layout
        self.setAccessibleName(card.title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def show_position(self, index: int | None) -> None:
        """Where this patient was in the chapter, if they are part-way through it."""
        reading = index is not None and 0 < index < self.page_count
        self.resume.setVisible(reading)
        if reading:
            assert index is not None
            self.resume.setText(self.ctx.tr("home.resume", number=index + 1, total=self.page_count))

    def height_for(self, width: int, picture_height: int) -> int:
        """The height this tile needs at `width` with a picture `picture_height` tall."""
        margins = self.box.contentsMargins()
        inner = max(1, width - margins.left() - margins.right())
        labels = [w for w in (self.title, self.summary, self.resume) if not w.isHidden()]
        spacing = self.box.spacing() * len(labels)
        text = sum(w.heightForWidth(inner) for w in labels)
        return margins.top() + margins.bottom() + picture_height + spacing + text


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
        self.box = layout
        self.setAccessibleName(self.title.text())
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def height_for(self, width: int) -> int:
        margins = self.box.contentsMargins()
        inner = max(1, width - margins.left() - margins.right())
        labels = self.title.heightForWidth(inner) + self.summary.heightForWidth(inner)
        return margins.top() + margins.bottom() + self.icon.height() + labels + self.box.spacing() * 2


@dataclass(frozen=True)
class Plan:
    columns: int
    picture: int
    tile_width: int
    row_height: int
    feature: QRect  # the questions tile, relative to the grid's top left
    height: int  # everything together
    fits: bool


class TileGrid(QLayout):
    """The questions tile and the chapter tiles, in the fewest rows that let every tile show in `viewport`.

    Landscape: the questions tile is a column of its own on the left. Portrait: a row across the top.
    """

    def __init__(self, parent: QWidget, viewport: QWidget, ctx: Context) -> None:
        super().__init__(parent)
        self.viewport = viewport
        self.ctx = ctx
        self.feature: QuestionsTile | None = None
        self.tiles: list[ChapterTile] = []
        self._items: list[QLayoutItem] = []
        self._plans: dict[tuple[int, int], Plan] = {}
        self.setContentsMargins(0, 0, 0, 0)

    def set_tiles(self, feature: QuestionsTile, tiles: list[ChapterTile]) -> None:
        # Taken out of the list first: a widget leaving its parent takes its item out of the layout as it goes.
        old, self._items = self._items, []
        for item in old:
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.feature, self.tiles = feature, tiles
        for widget in (feature, *tiles):
            self.addChildWidget(widget)
            self._items.append(QWidgetItem(widget))
        self.invalidate()

    def invalidate(self) -> None:
        self._plans = {}
        super().invalidate()

    # QLayout's interface ----------------------------------------------------------------------------------------

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation.Horizontal

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.plan(width).height

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    def minimumSize(self) -> QSize:
        return QSize(320, 200)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        if self.feature is None:
            return
        plan = self.plan(rect.width())
        gap = self._gap()
        self.feature.setGeometry(plan.feature.translated(rect.topLeft()))
        portrait = self.ctx.portrait
        left = rect.x() + (0 if portrait else plan.feature.width() + gap)
        top = rect.y() + (plan.feature.height() + gap if portrait else 0)
        for index, tile in enumerate(self.tiles):
            row, column = divmod(index, plan.columns)
            tile.picture.setFixedHeight(plan.picture)
            tile.setGeometry(
                left + column * (plan.tile_width + gap),
                top + row * (plan.row_height + gap),
                plan.tile_width,
                plan.row_height,
            )

    # planning ---------------------------------------------------------------------------------------------------

    def _gap(self) -> int:
        return self.ctx.metrics.px(20)

    def plan(self, width: int) -> Plan:
        height = max(1, self.viewport.height())
        key = (width, height)
        if key not in self._plans:
            self._plans[key] = self._plan(width, height)
        return self._plans[key]

    def _plan(self, width: int, height: int) -> Plan:
        m = self.ctx.metrics
        gap = self._gap()
        count = max(1, len(self.tiles))
        portrait = self.ctx.portrait
        largest, smallest = m.px(220 if portrait else 160), m.px(70)
        pictures = [round(largest - (largest - smallest) * step / 4) for step in range(5)]
        best: Plan | None = None
        # Biggest pictures first; for each, the fewest columns (the widest tiles) that let every tile show.
        for picture in pictures:
            for columns in range(2, 4) if portrait else range(3, 7):
                rows = math.ceil(count / columns)
                if portrait:
                    tile_width = (width - gap * (columns - 1)) // columns
                    feature_height = self.feature.height_for(width) if self.feature else 0
                    room = height - feature_height - gap
                else:
                    tile_width = (width - gap * columns) // (columns + 1)
                    room = height
                row_height = max((tile.height_for(tile_width, picture) for tile in self.tiles), default=0)
                tiles_height = rows * row_height + gap * (rows - 1)
                if portrait:
                    feature = QRect(0, 0, width, feature_height)
                    total = feature_height + gap + tiles_height
                else:
                    feature = QRect(0, 0, tile_width, height)  # in view whole, however far the tiles scroll
                    total = tiles_height
                plan = Plan(
                    columns, picture, tile_width, row_height, feature, max(total, 1), tiles_height <= room
                )
                if plan.fits:
                    return plan
                if best is None or plan.height < best.height:
                    best = plan
        assert best is not None
        return best


class HomeScreen(Screen):
    name = "home"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.heading = label("", "title")
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        kinetic(self.scroll_area)
        self.body = QWidget()
        # The tiles move when the space or the text size changes: the body paints the space they leave.
        self.body.setObjectName("ScrollBody")
        self.body.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.grid = TileGrid(self.body, self.scroll_area.viewport(), ctx)
        self.scroll_area.setWidget(self.body)
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
        self._show_positions()

    def _show_positions(self) -> None:
        positions = self.ctx.session.positions
        for chapter_id, tile in self.tiles.items():
            tile.show_position(positions.get(chapter_id))
        self.grid.invalidate()

    def refresh(self) -> None:
        m = self.ctx.metrics
        margin = m.px(32)
        self._layout.setContentsMargins(margin, m.px(20), margin, m.px(16))
        self._layout.setSpacing(m.px(16))
        self.heading.setText(self.ctx.tr("home.title"))
        self.header.setDirection(
            QBoxLayout.Direction.TopToBottom if self.ctx.portrait else QBoxLayout.Direction.LeftToRight
        )
        self.header.setSpacing(m.px(12))
        catalogue = self.ctx.source.catalogue(self.ctx.lang)
        topics = [c for c in catalogue.chapters if c.card.kind == "topic"]
        references = [c for c in catalogue.chapters if c.card.kind != "topic"]
        self.questions_tile = QuestionsTile(self.ctx)
        self.questions_tile.clicked.connect(lambda: self.go("faq"))
        self.tiles = {}
        for chapter in topics:
            tile = ChapterTile(chapter.card, self.ctx)
            tile.clicked.connect(lambda cid=chapter.id: self.go("reader", chapter=cid))
            self.tiles[chapter.id] = tile
        self.grid.set_tiles(self.questions_tile, list(self.tiles.values()))
        self._show_positions()
        clear_layout(self.references)
        self.reference_buttons = {}
        for chapter in references:  # the sources: one quiet button beside the heading
            button = TouchButton(chapter.title)
            button.clicked.connect(lambda _=False, cid=chapter.id: self.go("reader", chapter=cid, page=0))
            self.reference_buttons[chapter.id] = button
            self.references.addWidget(button)
        if self.ctx.portrait:
            self.references.addStretch(1)

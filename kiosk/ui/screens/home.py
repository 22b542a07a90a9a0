"""Home: a tile per chapter (picture, title, one line), a large tile for questions, and the sources.

The tiles are arranged for the space the screen has, not the one it had when it was made: as many columns as it
takes for every tile to show without scrolling, with pictures as large as that leaves room for. Only when even
small pictures cannot make them fit (the largest text on a small screen) does the page scroll.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QHBoxLayout,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
    QWidgetItem,
)

from kiosk.services.catalogue import ChapterCard
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import (
    ItemListLayout,
    PictureView,
    TapArea,
    TouchButton,
    clear_layout,
    icon_svg,
    kinetic,
    label,
)


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
        self.ensurePolished()  # its border (from the style sheet) narrows what is inside
        frame, margins = self.contentsMargins(), self.box.contentsMargins()
        sides = frame.left() + frame.right() + margins.left() + margins.right()
        inner = max(1, width - sides)
        labels = [w for w in (self.title, self.summary, self.resume) if not w.isHidden()]
        for widget in labels:
            widget.ensurePolished()  # measured in the font the style sheet gives it (the title is bold)
        spacing = self.box.spacing() * len(labels)
        text = sum(w.heightForWidth(inner) for w in labels)
        ends = frame.top() + frame.bottom() + margins.top() + margins.bottom()
        return ends + picture_height + spacing + text


class QuestionsTile(TapArea):
    """The way to the questions: a column of its own in landscape; in portrait a row, its icon beside its words."""

    def __init__(self, ctx: Context) -> None:
        super().__init__("FaqTile")
        self.portrait = ctx.portrait
        layout = QBoxLayout(
            QBoxLayout.Direction.LeftToRight if self.portrait else QBoxLayout.Direction.TopToBottom
        )
        self.setLayout(layout)
        pad = ctx.metrics.px(28)
        layout.setContentsMargins(pad, pad, pad, pad)
        layout.setSpacing(ctx.metrics.px(16))
        self.icon = PictureView()
        self.icon.set_picture(icon_svg("questions", ctx.palette.accent_ink), "")
        icon = ctx.metrics.px(120 if self.portrait else 150)
        self.icon_height = icon
        self.icon.setFixedHeight(icon)
        if self.portrait:
            self.icon.setFixedWidth(round(icon * 1.2))
        self.title = label(ctx.tr("home.questions_title"), "title", name="FaqTitle")
        self.summary = label(ctx.tr("home.questions_summary"), "body", name="TileSummary")
        for widget in (self.icon, self.title, self.summary):
            widget.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        words = QVBoxLayout()
        words.setSpacing(ctx.metrics.px(8))
        words.addWidget(self.title)
        words.addWidget(self.summary)
        if not self.portrait:
            layout.addStretch(1)
        layout.addWidget(self.icon)
        layout.addLayout(words, 1)
        if not self.portrait:
            layout.addStretch(1)
        self.box, self.words = layout, words
        self.setAccessibleName(self.title.text())
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def fit_to(self, width: int, height: int) -> None:
        """Landscape, little height (large text on a small screen): the icon gives way, so the words show."""
        if self.portrait:
            return
        self.icon.setFixedHeight(self.icon_height)
        spare = height - (self.height_for(width) - self.icon_height)
        icon = min(self.icon_height, spare)
        self.icon.setVisible(icon >= self.icon_height // 2)
        self.icon.setFixedHeight(max(icon, 1))

    def height_for(self, width: int) -> int:
        """The height it needs at `width` (in portrait, where it is a row of its own)."""
        self.ensurePolished()
        frame, margins = self.contentsMargins(), self.box.contentsMargins()
        inner = max(1, width - frame.left() - frame.right() - margins.left() - margins.right())
        if self.portrait:
            inner -= self.icon.width() + self.box.spacing()
        for widget in (self.title, self.summary):
            widget.ensurePolished()
        words = self.title.heightForWidth(inner) + self.words.spacing() + self.summary.heightForWidth(inner)
        ends = frame.top() + frame.bottom() + margins.top() + margins.bottom()
        if self.portrait:
            return ends + max(self.icon.height(), words)
        icon = self.icon.height() + self.box.spacing() if not self.icon.isHidden() else 0
        return ends + icon + words


@dataclass(frozen=True)
class Plan:
    columns: int
    picture: int
    tile_width: int
    row_height: int
    feature: QRect  # the questions tile, relative to the grid's top left
    height: int  # everything together
    fits: bool


#: In landscape the questions tile is a column this many times as wide as a chapter's.
FEATURE_SHARE = 1.3


class TileGrid(ItemListLayout):
    """The questions tile and the chapter tiles, in the fewest rows that let every tile show in `viewport`.

    Landscape: the questions tile is a column of its own on the left. Portrait: a row across the top.
    """

    def __init__(self, parent: QWidget, viewport: QWidget, ctx: Context) -> None:
        super().__init__(parent)
        self.viewport = viewport
        self.ctx = ctx
        self.feature: QuestionsTile | None = None
        self.tiles: list[ChapterTile] = []
        self._plans: dict[tuple[int, int], Plan] = {}
        self._rows: dict[int, int] = {}  # while planning: tile width -> tallest tile less its picture

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
        self.feature.fit_to(plan.feature.width(), plan.feature.height())
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
        self._rows = {}
        m = self.ctx.metrics
        portrait = self.ctx.portrait
        largest, smallest = m.px(220 if portrait else 160), m.px(70)
        step = max(1, (largest - smallest) // 4)
        best: Plan | None = None
        # Biggest pictures first; for each, the fewest columns (the widest tiles) that let every tile show. Then
        # the pictures grow back as far as those columns still leave room for.
        for picture in range(largest, smallest - 1, -step):
            for columns in range(2, 4) if portrait else range(3, 7):
                plan = self._try(width, height, columns, picture)
                if plan.fits:
                    for bigger in range(picture + step - 1, picture, -max(1, step // 8)):
                        grown = self._try(width, height, columns, bigger)
                        if grown.fits:
                            return grown
                    return plan
                if best is None or plan.height < best.height:
                    best = plan
        assert best is not None
        return best

    def _row_height(self, tile_width: int) -> int:
        """The tallest tile at `tile_width`, less its picture: a tile is its picture plus what does not change
        with it, so each width is measured once however many picture sizes a plan tries."""
        if tile_width not in self._rows:
            self._rows[tile_width] = max((tile.height_for(tile_width, 0) for tile in self.tiles), default=0)
        return self._rows[tile_width]

    def _try(self, width: int, height: int, columns: int, picture: int) -> Plan:
        gap = self._gap()
        rows = math.ceil(max(1, len(self.tiles)) / columns)
        if self.ctx.portrait:
            tile_width = (width - gap * (columns - 1)) // columns
            feature_height = self.feature.height_for(width) if self.feature else 0
            feature = QRect(0, 0, width, feature_height)
            room = height - feature_height - gap
        else:
            tile_width = round((width - gap * columns) / (columns + FEATURE_SHARE))
            # A column of its own, in view whole however far the tiles scroll.
            feature = QRect(0, 0, width - gap * columns - tile_width * columns, height)
            room = height
        row_height = self._row_height(tile_width) + picture
        tiles_height = rows * row_height + gap * (rows - 1)
        total = tiles_height + (feature.height() + gap if self.ctx.portrait else 0)
        return Plan(columns, picture, tile_width, row_height, feature, max(total, 1), tiles_height <= room)


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
        self.scroll_area.viewport().installEventFilter(self)  # the tiles are planned for the height in view
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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.scroll_area.viewport():
            self.grid.invalidate()  # a taller or shorter view may take a different plan
        return False

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

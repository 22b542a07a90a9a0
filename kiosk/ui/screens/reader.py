"""The reader: one page at a time, its text given the room it needs first, then its picture.

The text column is never wider than a comfortable line (about 70 characters). Beside it (below it, in portrait)
the picture takes what is left, shrinking as far as it sensibly can; a text that still does not fit scrolls, with
a large "More below" cue that pages on when tapped. After a chapter's last page comes its end: what comes next
(a button) and the questions about it, on a page of their own, so they never squeeze the summary.

Pages turn by dragging (the page follows the finger, and turns once it has gone a third of the way, or on a
quick flick), or with large Previous and Next buttons. A tap never crosses a chapter's edge by accident: on
arriving at the last page, the end of a chapter or its first page, the control that would leave the chapter
waits a moment for a fresh tap. Each chapter remembers where this patient was, until the session ends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractAnimation,
    QEasingCurve,
    QParallelAnimationGroup,
    QPoint,
    QPropertyAnimation,
    QRect,
    Qt,
    QTimer,
)
from PySide6.QtGui import QResizeEvent, QTextDocument
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from kiosk.content import links
from kiosk.services.catalogue import ChapterView, PageView, QuestionView
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import (
    HorizontalDrag,
    PageDots,
    PictureView,
    TextSlice,
    TextView,
    TouchButton,
    WrapButton,
    clear_layout,
    kinetic,
    label,
    line_width,
)

log = logging.getLogger(__name__)

#: After arriving where a tap could leave the chapter, that control waits for a fresh tap: one that comes after
#: this long without tapping.
BOUNDARY_MS = 800
#: The page id that stands for a chapter's end (`kiosk screenshot reader --page CHAPTER/end`).
END = "end"
#: A page dragged this far across (as a share of its width) turns, however slowly it was dragged.
TURN_SHARE = 1 / 3
#: A quick flick turns the page after a shorter distance.
FLICK_SPEED = 900.0  # pixels a second
FLICK_SHARE = 0.06


@dataclass(frozen=True)
class Arrangement:
    """How a page card laid itself out: where the picture and the text went, and whether the text scrolls."""

    picture: QRect
    text: QRect  # the text's whole area (both columns)
    columns: int
    stacked: bool
    scrolls: bool


class EndView(QWidget):
    """The end of a chapter: what comes next, as a button, and the questions about this chapter."""

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.finished = label("", "heading", name="FinishedTitle")
        self.reviewed = label("", "muted", name="ReviewedBy")
        self.check = WrapButton("", "primary")
        self.up_next = WrapButton("", "primary")
        self.all_topics = WrapButton("")
        self.take_home = WrapButton("")
        self.related_label = label("", "heading")
        self.related = QWidget()
        self.related_box = QVBoxLayout(self.related)
        self.related_box.setContentsMargins(0, 0, 0, 0)
        self.questions: list[WrapButton] = []
        inner = QWidget()
        inner.setObjectName("EndColumn")
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()  # the chapter's own next steps side by side: they are short
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.all_topics)
        row.addWidget(self.take_home)
        row.addStretch(1)
        self.row = row
        for widget in (
            self.finished,
            self.reviewed,
            self.check,
            self.up_next,
            row,
            self.related_label,
            self.related,
        ):
            if isinstance(widget, QHBoxLayout):
                column.addLayout(widget)
            else:
                column.addWidget(widget)
        column.addStretch(1)
        self.column = column
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("EndScroll")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.scroll_area.setWidget(inner)
        kinetic(self.scroll_area)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    def show_end(
        self, chapter: ChapterView, following: ChapterView | None, questions: tuple[QuestionView, ...]
    ) -> None:
        ctx = self.ctx
        m = ctx.metrics
        self.column.setSpacing(m.px(20))
        self.related_box.setSpacing(m.px(14))
        pad = m.px(22)
        self.finished.setText(ctx.tr("reader.finished", title=chapter.title))
        card = chapter.card
        self.reviewed.setVisible(card.reviewed_on is not None)
        if card.reviewed_on is not None:  # the clinic's sign-off, where it has given one
            self.reviewed.setText(ctx.tr("reader.reviewed", name=card.reviewed_by, date=card.reviewed_on))
        self.check.setVisible(bool(chapter.checks))
        self.check.set_text(ctx.tr("reader.check", count=len(chapter.checks)) + "  →")
        self.check.set_padding(pad, pad // 2)
        self.up_next.setVisible(following is not None)
        if following is not None:
            self.up_next.set_text(ctx.tr("reader.next_chapter", title=following.title) + "  →")
        self.up_next.set_padding(pad, pad // 2)
        self.all_topics.set_text(ctx.tr("reader.all_topics"))
        self.all_topics.set_padding(pad, pad // 2)
        self.row.setSpacing(m.px(14))
        self.take_home.set_text(ctx.tr("take.button"))
        self.take_home.set_padding(pad, pad // 2)
        clear_layout(self.related_box)
        self.questions = []
        for question in questions:
            button = WrapButton(question.question)
            button.set_padding(pad, pad // 2)
            button.setProperty("question", question.id)
            self.questions.append(button)
            self.related_box.addWidget(button)
        self.related_label.setText(ctx.tr("reader.related"))
        self.related_label.setVisible(bool(questions))
        self.related.setVisible(bool(questions))
        self.scroll_area.verticalScrollBar().setValue(0)


class PageCard(QFrame):
    """One page: its title, text and picture with caption, or the end of a chapter.

    `arrange` decides where everything goes, in this order, taking the first that lets the text show whole:
    one column beside a generous picture; one column beside a small picture; two columns beside a picture
    shrinking to a fifth of the width (landscape only: a portrait column is already as wide as a line should
    be); and, when nothing fits, one column that scrolls, with the cue. In portrait the picture sits above the
    text and gives up its height first.
    """

    #: Shares of the width the picture may take beside two columns of text, largest first.
    PICTURE_SHARES = (0.4, 0.33, 0.27, 0.22)

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("PageCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.page: PageView | None = None
        self.ending = False
        self.title = label("", "heading", name="PageTitle")
        self.picture = PictureView()
        self.caption = label("", "caption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.text = TextView()
        # Two columns, when there are two: each paints its part of one copy of the text laid out at their width
        # (the text view itself, which scrolls, steps aside meanwhile).
        self.first = TextSlice()
        self.second = TextSlice()
        # The same text, for measuring at any width (and for the columns to paint) without touching the view's.
        self.measured = QTextDocument(self)
        for column in (self.first, self.second):
            column.link_activated.connect(self.text.link_activated)
        self.cue = TouchButton("", "cue")
        self.cue.setObjectName("MoreBelow")
        self.cue.clicked.connect(self.text.page_down)
        self.text.at_end_changed.connect(lambda at_end: self._show_cue())
        self.end = EndView(ctx)
        for widget in (
            self.title,
            self.picture,
            self.caption,
            self.text,
            self.first,
            self.second,
            self.cue,
            self.end,
        ):
            widget.setParent(self)
        for widget in (self.end, self.first, self.second):
            widget.hide()
        self.arrangement = Arrangement(QRect(), QRect(), 1, False, False)

    # --- content -----------------------------------------------------------------------------------------------

    def show_page(self, page: PageView) -> None:
        self.page, self.ending = page, False
        self.end.hide()
        self.title.show()
        self.title.setText(page.title)
        has_picture = bool(page.image)
        self.picture.setVisible(has_picture)
        self.caption.setVisible(has_picture and bool(page.image_caption))
        if has_picture:
            data = self.ctx.source.picture(page.image)
            self.picture.set_picture(data, page.image_alt, self.ctx.tr("reader.picture_missing", alt="{alt}"))
            self.picture.set_ink(self.ctx.palette.ink)
            self.caption.setText(page.image_caption)
        self.cue.setText("↓  " + self.ctx.tr("reader.more_below"))
        css, font = self.ctx.css(), self.ctx.font()
        self.text.set_content(page.html, css, font)
        self.measured.setDefaultStyleSheet(css)
        self.measured.setDefaultFont(font)
        self.measured.setDocumentMargin(0)
        self.measured.setHtml(page.html)
        self.arrange()

    def columns(self, width: int) -> tuple[int, int, int]:
        """At `width` pixels: (the text's whole height, where to break it into two columns, the taller column).

        The break falls between blocks (paragraphs, list items) so that the two columns are as even as they can
        be; a numbered list keeps its numbers because both columns paint the same document."""
        document = self.measured
        document.setTextWidth(max(1, width))
        total = round(document.size().height())
        layout = document.documentLayout()
        best = (total, total)  # (taller column, break)
        block = document.begin().next()
        while block.isValid():
            top = round(layout.blockBoundingRect(block).top())
            best = min(best, (max(top, total - top), top))
            block = block.next()
        return total, best[1], best[0]

    def show_end(
        self, chapter: ChapterView, following: ChapterView | None, questions: tuple[QuestionView, ...]
    ) -> None:
        self.page, self.ending = None, True
        for widget in (self.title, self.picture, self.caption, self.text, self.first, self.second, self.cue):
            widget.hide()
        self.end.show_end(chapter, following, questions)
        self.end.show()
        self.arrange()

    # --- layout ------------------------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange()

    def _padding(self) -> int:
        m = self.ctx.metrics
        return m.px(16 if m.compact and not self.ctx.portrait else 28)

    def arrange(self) -> None:
        """Give the text the room it needs first; the picture takes what is left (see the class docstring)."""
        pad = self._padding()
        inner = self.rect().adjusted(pad, pad, -pad, -pad)
        if inner.width() <= 0 or inner.height() <= 0:
            return
        if self.ending:
            column = min(inner.width(), round(line_width(self.ctx.font()) * 1.1))
            self.end.setGeometry(inner.x() + (inner.width() - column) // 2, inner.y(), column, inner.height())
            return
        if self.ctx.portrait and self.picture.isVisibleTo(self):
            self._arrange_stacked(inner)
        else:
            self._arrange_beside(inner)
        self._show_cue()

    def _caption_height(self, width: int) -> int:
        if not self.caption.isVisibleTo(self):
            return 0
        return self.caption.heightForWidth(width) + self.ctx.metrics.px(8)

    def _place_picture(self, rect: QRect) -> None:
        caption = self._caption_height(rect.width())
        self.picture.setGeometry(rect.adjusted(0, 0, 0, -caption))
        if caption:
            gap = self.ctx.metrics.px(8)
            self.caption.setGeometry(rect.x(), rect.bottom() + 1 - caption + gap, rect.width(), caption - gap)

    def _arrange_stacked(self, inner: QRect) -> None:
        """Portrait: the picture above, as tall as the text leaves room for (within limits), the text below."""
        m = self.ctx.metrics
        gap, spacing = m.px(32), m.px(14)
        width, height = inner.width(), inner.height()
        text_width = min(width, line_width(self.ctx.font()))
        needed = self.title.heightForWidth(text_width) + spacing + self.columns(text_width)[0]
        caption = self._caption_height(width)
        most = min(round(width * self.picture.aspect()), round(height * 0.45))
        least = min(most, round(height * 0.18))
        picture_height = max(least, min(most, height - needed - caption - gap))
        self._place_picture(QRect(inner.x(), inner.y(), width, picture_height + caption))
        top = inner.y() + picture_height + caption + gap
        area = QRect(inner.x() + (width - text_width) // 2, top, text_width, inner.bottom() + 1 - top)
        self._place_text(area, 1, QRect(inner.x(), inner.y(), width, picture_height), stacked=True)

    def _arrange_beside(self, inner: QRect) -> None:
        """Landscape (or no picture): the first of the arrangements in the class docstring that fits."""
        m = self.ctx.metrics
        gap, spacing = m.px(32), m.px(14)
        width, height = inner.width(), inner.height()
        line = line_width(self.ctx.font())
        has_picture = self.picture.isVisibleTo(self)
        if has_picture:
            options = [(1, width - min(line, round(width * 0.55)) - gap), (1, round(width * 0.22))]
            options += [(2, round(width * share)) for share in self.PICTURE_SHARES]
        else:
            options = [(1, 0), (2, 0)]
        chosen: tuple[int, int, int] | None = None  # (columns, picture width, column width)
        for columns, picture_width in options:
            room_width = width - (picture_width + gap if picture_width else 0)
            column = min(line, room_width if columns == 1 else (room_width - gap) // 2)
            if column < line // 3:
                continue
            block = column * columns + gap * (columns - 1)
            room = height - self.title.heightForWidth(block) - spacing
            total, _, taller = self.columns(column)
            if (total if columns == 1 else taller) <= room:
                chosen = (columns, picture_width, column)
                break
        if chosen is None:  # nothing lets it show whole: one column, as wide as a line, that scrolls
            picture_width = max(round(width * 0.22), width - line - gap) if has_picture else 0
            room_width = width - (picture_width + gap if picture_width else 0)
            chosen = (1, picture_width, min(line, room_width))
        columns, picture_width, column = chosen
        block = column * columns + gap * (columns - 1)
        if picture_width:
            caption = self._caption_height(picture_width)
            picture_height = min(round(picture_width * self.picture.aspect()), height - caption)
            top = inner.y() + max(0, (height - picture_height - caption) // 2)
            picture = QRect(inner.x(), top, picture_width, picture_height)
            self._place_picture(QRect(inner.x(), top, picture_width, picture_height + caption))
            left = inner.right() + 1 - block
        else:
            picture = QRect()
            left = inner.x() + (width - block) // 2
        self._place_text(QRect(left, inner.y(), block, height), columns, picture, stacked=False)

    def _place_text(self, area: QRect, columns: int, picture: QRect, *, stacked: bool) -> None:
        """The title across `area`, then the text in one or two columns under it; a cue if it still scrolls."""
        m = self.ctx.metrics
        gap, spacing = m.px(32), m.px(14)
        title_height = self.title.heightForWidth(area.width())
        self.title.setGeometry(area.x(), area.y(), area.width(), title_height)
        body = area.adjusted(0, title_height + spacing, 0, 0)
        scrolls = False
        if columns == 2:
            column = (body.width() - gap) // 2
            total, split, _ = self.columns(column)  # leaves the measured text laid out at the columns' width
            self.first.setGeometry(body.x(), body.y(), column, split)
            self.first.show_part(self.measured, 0)
            self.second.setGeometry(body.right() + 1 - column, body.y(), column, total - split)
            self.second.show_part(self.measured, split)
            for widget in (self.first, self.second):
                widget.show()
            self.text.hide()
        else:
            self.first.hide()
            self.second.hide()
            self.text.show()
            scrolls = self.columns(body.width())[0] > body.height()
            # No scroll bar unless it scrolls: one left over from the last page would narrow the text by a line.
            policy = (
                Qt.ScrollBarPolicy.ScrollBarAsNeeded if scrolls else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            )
            self.text.setVerticalScrollBarPolicy(policy)
            if scrolls:
                self.cue.ensurePolished()
                cue = max(m.target, self.cue.sizeHint().height())
                body.setBottom(body.bottom() - cue - spacing)
                self.cue.setGeometry(body.x(), body.bottom() + 1 + spacing, body.width(), cue)
            self.text.setGeometry(body)
        self.arrangement = Arrangement(picture, area, columns, stacked, scrolls)

    def _show_cue(self) -> None:
        """The cue shows while there is text below the view; its space stays, so nothing moves when it goes."""
        bar = self.text.verticalScrollBar()
        at_end = bar.maximum() > 0 and bar.value() >= bar.maximum()
        self.cue.setVisible(not self.ending and self.arrangement.scrolls and not at_end)


class PageStage(QWidget):
    """Holds the page on screen and the one beside it: a turn slides both sideways, and a drag moves them with
    the finger."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.front = PageCard(ctx, self)
        self.back = PageCard(ctx, self)
        self.back.hide()
        self.animation: QParallelAnimationGroup | None = None
        self.back_direction = 0  # which neighbour the back card holds while dragging: +1 next, -1 previous
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.finish()
        self.front.setGeometry(self.rect())
        self.back.setGeometry(self.rect())

    def cards(self) -> tuple[PageCard, PageCard]:
        return self.front, self.back

    def show_now(self) -> PageCard:
        """The front card, placed and shown, for the caller to fill."""
        self.finish()
        self.back.hide()
        self.back_direction = 0
        self.front.setGeometry(self.rect())
        self.front.show()
        return self.front

    def prepare_back(self, direction: int) -> PageCard:
        """The back card, placed beside the front one (right of it for the next page), for the caller to fill."""
        self.back.setGeometry(self.rect())
        self.back.move(self.front.x() + direction * max(self.width(), 1), 0)
        self.back_direction = direction
        return self.back

    def turn(self, direction: int, speed: float = 0.0) -> None:
        """Slide the prepared back card in from the right (direction +1) or the left (-1); the quicker the
        swipe, the quicker the slide."""
        width = max(self.width(), 1)
        self.back.show()
        self.back.raise_()
        remaining = abs(self.back.x()) / width
        duration = 320 if speed <= 0 else int(min(420, max(160, width / abs(speed) * 1000 * 0.6)))
        duration = max(120, round(duration * max(remaining, 0.3)))
        self._animate(((self.front, -direction * width), (self.back, 0)), duration, swap=True)

    def drag_to(self, dx: float, has_neighbour: bool) -> None:
        """Follow the finger; with nothing beside the page (a chapter's edge) it gives a little, then stops."""
        offset = round(dx if has_neighbour else dx * 0.25)
        self.front.move(offset, 0)
        if has_neighbour:
            self.back.move(offset + self.back_direction * max(self.width(), 1), 0)
            self.back.show()
        else:
            self.back.hide()

    def settle_back(self) -> None:
        """A drag that did not turn the page: slide it back into place."""
        width = max(self.width(), 1)
        moves = [(self.front, 0)]
        if self.back.isVisible():
            moves.append((self.back, self.back_direction * width))
        self._animate(tuple(moves), 220, swap=False)

    def _animate(self, moves: tuple[tuple[PageCard, int], ...], duration: int, *, swap: bool) -> None:
        group = QParallelAnimationGroup(self)
        for card, end in moves:
            slide = QPropertyAnimation(card, b"pos", group)
            slide.setDuration(duration)
            slide.setStartValue(card.pos())
            slide.setEndValue(QPoint(end, 0))
            slide.setEasingCurve(QEasingCurve.Type.OutCubic)
            group.addAnimation(slide)
        group.finished.connect(self._on_animation_finished)
        if swap:
            self.front, self.back = self.back, self.front
        self.animation = group
        group.start()

    def finish(self) -> None:
        """Jump to the end of a turn in progress (a second tap never leaves two pages half-way)."""
        group, self.animation = self.animation, None
        if group is None:
            return
        group.finished.disconnect(self._on_animation_finished)
        if group.state() == QAbstractAnimation.State.Running:
            group.setCurrentTime(group.totalDuration())
            group.stop()
        group.deleteLater()
        self._on_animation_finished()

    def _on_animation_finished(self) -> None:
        self.animation = None
        self.back.hide()
        self.back_direction = 0
        self.front.move(0, 0)

    @property
    def turning(self) -> bool:
        return self.animation is not None and self.animation.state() == QAbstractAnimation.State.Running


class ReaderScreen(Screen):
    name = "reader"
    boundary_ms = BOUNDARY_MS

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.chapter: ChapterView | None = None
        self.chapter_id = ""
        self.index = 0  # page_count: the chapter's end

        self.chapter_title = label("", "heading", name="ChapterTitle")
        self.position = label("", "body", wrap=False, name="Position")
        self.position.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)

        self.stage = PageStage(ctx)
        self.drag = HorizontalDrag(self.stage)
        self.drag.started.connect(self._on_drag_started)
        self.drag.moved.connect(self._on_drag_moved)
        self.drag.released.connect(self._on_drag_released)
        for card in self.stage.cards():
            card.text.link_activated.connect(self.open_link)  # the second column passes its links on too
            card.end.up_next.clicked.connect(self.next_chapter)
            card.end.all_topics.clicked.connect(lambda: self.go("home"))
            card.end.check.clicked.connect(lambda: self.go("teach-back", chapter=self.chapter_id))
            card.end.take_home.clicked.connect(lambda: self.go("take-home", chapter=self.chapter_id))

        self.back_button = TouchButton("", "primary")
        self.back_button.setObjectName("PreviousButton")
        self.next_button = TouchButton("", "primary")
        self.next_button.setObjectName("NextButton")
        self.dots = PageDots()
        self.back_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        where = QVBoxLayout()
        where.setContentsMargins(0, 0, 0, 0)
        where.setSpacing(0)
        where.addWidget(self.dots)
        where.addWidget(self.position)
        nav = QHBoxLayout()
        nav.addWidget(self.back_button, 3)
        nav.addLayout(where, 4)
        nav.addWidget(self.next_button, 3)

        layout = QVBoxLayout(self)
        layout.addWidget(self.chapter_title)
        layout.addWidget(self.stage, 1)
        layout.addLayout(nav)
        self._layout = layout
        self._nav = nav

    # --- state -------------------------------------------------------------------------------------------------

    def enter(self, **args: Any) -> None:
        """Show `chapter` at `page` (an index, a page id or END); with no page, where this patient left off."""
        self.drag.set_enabled(True)
        chapter = str(args.get("chapter") or self.chapter_id)
        self.chapter_id = chapter
        self._load()
        page = args.get("page")
        if page is None:
            index = self.ctx.session.positions.get(chapter, 0)
            if index >= self.page_count:  # they finished it: a new visit starts at the beginning
                index = 0
        elif isinstance(page, int):
            index = page
        elif page == END:
            index = self.page_count
        else:
            index = self.chapter.index_of(str(page)) if self.chapter else 0
        self.show_page(max(0, index), animate=False)

    def place(self) -> dict[str, Any]:
        return {"chapter": self.chapter_id, "page": self.index}

    def leave(self) -> None:
        self.drag.set_enabled(False)
        self.stage.finish()

    def reset(self) -> None:
        self.chapter, self.chapter_id, self.index = None, "", 0

    def refresh(self) -> None:
        """New language, theme, size or content: the same chapter and page, redrawn."""
        m = self.ctx.metrics
        margin = m.px(32)
        self._layout.setContentsMargins(margin, m.px(16), margin, m.px(16))
        self._layout.setSpacing(m.px(14))
        self._nav.setSpacing(m.px(24))
        self.dots.set_colours(self.ctx.palette.accent, self.ctx.palette.border)
        self.dots.setFixedHeight(max(m.px(28), 20))
        # With little height, the chapter's name gives way to the page (the bar's Back and the dots still say
        # where the patient is).
        self.chapter_title.setVisible(not m.compact or self.ctx.portrait)
        if self.chapter_id:
            self._load()
            if self.chapter is None or not self.chapter.pages:  # staff took it away while it was open
                self.chapter_id, self.index = "", 0
                if self.isVisible():
                    QTimer.singleShot(0, lambda: self.go("home"))  # not in the middle of a restyle
                return
            self.index = min(self.index, self.page_count)
            self._fill(self.stage.show_now(), self.index)  # the same view, redrawn: not a new one to count
            self._update_controls()

    def _load(self) -> None:
        self.chapter = self.ctx.source.catalogue(self.ctx.lang).chapter(self.chapter_id)

    @property
    def current_page(self) -> str:
        """chapter-id/page-id of the page showing ("" at the chapter's end, or with no chapter)."""
        if self.chapter is None or self.at_end:
            return ""
        return f"{self.chapter_id}/{self.chapter.pages[self.index].id}"

    # --- navigation --------------------------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return len(self.chapter.pages) if self.chapter else 0

    @property
    def on_last_page(self) -> bool:
        return self.index == self.page_count - 1

    @property
    def at_end(self) -> bool:
        """Past the last page: the chapter's end, with what comes next."""
        return self.index >= self.page_count

    def _fill(self, card: PageCard, index: int) -> None:
        assert self.chapter is not None
        if index >= self.page_count:
            catalogue = self.ctx.source.catalogue(self.ctx.lang)
            card.show_end(
                self.chapter,
                catalogue.next_chapter(self.chapter_id),
                catalogue.related_questions(self.chapter_id),
            )
            for button in card.end.questions:
                button.clicked.connect(lambda b=button: self.go("faq", question=b.property("question")))
        else:
            card.show_page(self.chapter.pages[index])

    def show_page(self, index: int, animate: bool = True, direction: int = 1, speed: float = 0.0) -> None:
        if self.chapter is None or not self.chapter.pages:
            log.warning("chapter %r is not available", self.chapter_id)
            self.go("home")
            return
        index = max(0, min(index, self.page_count))
        if animate and index != self.index and self.isVisible():
            self.stage.finish()
            self._fill(self.stage.prepare_back(direction), index)
            self.stage.turn(direction, speed)
        else:
            self._fill(self.stage.show_now(), index)
        self._arrive(index, entering=not animate)

    def _arrive(self, index: int, *, entering: bool = False) -> None:
        arriving = entering or index != self.index
        self.index = index
        self.ctx.session.positions[self.chapter_id] = index
        self._update_controls()
        if arriving:
            # Where the next tap could leave the chapter, it has to be a fresh one.
            if self.on_last_page or self.at_end:
                self.next_button.hold_off(self.boundary_ms)
            if self.at_end:
                for card in self.stage.cards():
                    card.end.up_next.hold_off(self.boundary_ms)
            if index == 0:
                self.back_button.hold_off(self.boundary_ms)
            # Counted once per view, by the ids of what exists: the chapter's end is a chapter finished.
            if self.at_end:
                self.ctx.source.record("chapter-end", self.chapter_id)
            elif self.chapter is not None:
                self.ctx.source.record("page", f"{self.chapter_id}/{self.chapter.pages[index].id}")
                if index == 0:
                    self.ctx.source.record("chapter-start", self.chapter_id)

    def next(self) -> None:
        if self.chapter is None:
            return
        if not self.at_end:
            self.show_page(self.index + 1, direction=1)
        else:
            self.next_chapter()

    def next_chapter(self) -> None:
        following = self.ctx.source.catalogue(self.ctx.lang).next_chapter(self.chapter_id)
        if following is not None:
            self.go("reader", chapter=following.id)
        else:
            self.go("home")

    def previous(self) -> None:
        if self.index > 0:
            self.show_page(self.index - 1, direction=-1)
        else:
            self.go("home")

    # --- dragging ----------------------------------------------------------------------------------------------

    def _neighbour(self, direction: int) -> int | None:
        index = self.index + direction
        return index if 0 <= index <= self.page_count else None

    def _on_drag_started(self) -> None:
        self.stage.finish()

    def _on_drag_moved(self, dx: float) -> None:
        direction = 1 if dx < 0 else -1
        neighbour = self._neighbour(direction)
        if neighbour is not None and self.stage.back_direction != direction:
            self._fill(self.stage.prepare_back(direction), neighbour)
        self.stage.drag_to(dx, neighbour is not None)

    def _on_drag_released(self, dx: float, speed: float) -> None:
        direction = 1 if dx < 0 else -1
        neighbour = self._neighbour(direction)
        width = max(self.stage.width(), 1)
        far = abs(dx) >= width * TURN_SHARE
        flick = abs(dx) >= max(48.0, width * FLICK_SHARE) and abs(speed) >= FLICK_SPEED and speed * dx > 0
        if neighbour is None or not (far or flick) or self.stage.back_direction != direction:
            self.stage.settle_back()
            return
        self.stage.turn(direction, abs(speed))
        self._arrive(neighbour)

    def open_link(self, target: str) -> None:
        link = links.parse(target)
        if link is not None and link.kind == "faq":
            self.go("faq", question=link.target)
        elif link is not None:
            if link.chapter == self.chapter_id and self.chapter is not None:
                index = self.chapter.index_of(link.page)
                if index >= 0:
                    self.remember()
                    self.show_page(index, direction=1 if index > self.index else -1)
                    return
            self.go("reader", chapter=link.chapter, page=link.page)

    def _update_controls(self) -> None:
        assert self.chapter is not None
        self.chapter_title.setText(self.chapter.title)
        if self.at_end:
            self.position.setText(self.ctx.tr("reader.end"))
        else:
            self.position.setText(self.ctx.tr("reader.page_of", number=self.index + 1, total=self.page_count))
        self.dots.set_position(self.index, self.page_count)
        self.back_button.setText(
            "←  " + self.ctx.tr("reader.previous" if self.index > 0 else "reader.all_topics")
        )
        if not self.at_end:
            self.next_button.setText(self.ctx.tr("reader.next") + "  →")
        elif self.ctx.source.catalogue(self.ctx.lang).next_chapter(self.chapter_id) is not None:
            self.next_button.setText(self.ctx.tr("reader.next_topic") + "  →")
        else:
            self.next_button.setText(self.ctx.tr("reader.all_topics") + "  →")

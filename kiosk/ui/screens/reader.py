"""The reader: one page at a time, picture and text side by side (stacked in portrait).

Pages turn by swipe, with a slide whose speed follows the finger, or by large Back and Next buttons for those who
do not swipe. The last page of a chapter offers the next chapter and the questions about it. Links inside the
text open other pages or answers; a missing picture shows its alt text.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import (
    QAbstractAnimation,
    QEasingCurve,
    QParallelAnimationGroup,
    QPoint,
    QPropertyAnimation,
    Qt,
)
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFrame, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.services.catalogue import ChapterView, PageView
from kiosk.ui.screens import Context, Screen
from kiosk.ui.widgets import (
    FlowLayout,
    PageDots,
    PictureView,
    SwipeDetector,
    TextView,
    TouchButton,
    WrapButton,
    clear_layout,
    label,
)

log = logging.getLogger(__name__)


class PageCard(QFrame):
    """One page: its picture with caption, and its text."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("PageCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.page: PageView | None = None
        self.title = label("", "heading")
        self.picture = PictureView()
        self.caption = label("", "caption")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = TextView()
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.figure = QWidget()
        figure = QVBoxLayout(self.figure)
        figure.setContentsMargins(0, 0, 0, 0)
        figure.addWidget(self.picture, 1)
        figure.addWidget(self.caption)
        self.reading = QWidget()
        reading = QVBoxLayout(self.reading)
        reading.setContentsMargins(0, 0, 0, 0)
        reading.addWidget(self.title)
        reading.addWidget(self.text, 1)
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.addWidget(self.figure, 9)
        self.box.addWidget(self.reading, 11)

    def show_page(self, page: PageView) -> None:
        self.page = page
        m = self.ctx.metrics
        pad = m.px(28)
        self.box.setContentsMargins(pad, pad, pad, pad)
        self.box.setSpacing(m.px(32))
        portrait = self.ctx.portrait
        self.box.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )
        self.box.setStretch(0, 8 if portrait else 9)
        self.box.setStretch(1, 11)
        self.title.setText(page.title)
        has_picture = bool(page.image)
        self.figure.setVisible(has_picture)
        if has_picture:
            data = self.ctx.source.picture(page.image)
            self.picture.set_picture(data, page.image_alt, self.ctx.tr("reader.picture_missing", alt="{alt}"))
            self.picture.set_ink(self.ctx.palette.ink)
            self.caption.setText(page.image_caption)
            self.caption.setVisible(bool(page.image_caption))
        self.text.set_content(page.html, self.ctx.css(), self.ctx.font())


class PageStage(QWidget):
    """Holds the page on screen and the one sliding in; a turn animates both sideways."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.front = PageCard(ctx, self)
        self.back = PageCard(ctx, self)
        self.back.hide()
        self.animation: QParallelAnimationGroup | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.finish()
        self.front.setGeometry(self.rect())
        self.back.setGeometry(self.rect())

    def show_now(self, page: PageView) -> None:
        self.finish()
        self.front.show_page(page)
        self.front.setGeometry(self.rect())
        self.front.show()

    def turn(self, page: PageView, direction: int, speed: float = 0.0) -> None:
        """Slide `page` in from the right (direction +1) or the left (-1); faster for a faster swipe."""
        self.finish()
        width = max(self.width(), 1)
        self.back.setGeometry(self.rect())
        self.back.show_page(page)
        self.back.move(direction * width, 0)
        self.back.show()
        self.back.raise_()
        duration = 320 if speed <= 0 else int(min(420, max(160, width / speed * 1000 * 0.6)))
        group = QParallelAnimationGroup(self)
        for card, end in ((self.front, -direction * width), (self.back, 0)):
            slide = QPropertyAnimation(card, b"pos", group)
            slide.setDuration(duration)
            slide.setStartValue(card.pos())
            slide.setEndValue(QPoint(end, 0))
            slide.setEasingCurve(QEasingCurve.Type.OutCubic)
            group.addAnimation(slide)
        group.finished.connect(self._on_animation_finished)
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
        self.back.hide()
        self.front.move(0, 0)

    @property
    def turning(self) -> bool:
        return self.animation is not None and self.animation.state() == QAbstractAnimation.State.Running


class ReaderScreen(Screen):
    name = "reader"

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.chapter: ChapterView | None = None
        self.chapter_id = ""
        self.index = 0

        self.chapter_title = label("", "title")
        self.position = label("", "body", wrap=False)
        self.position.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header = QHBoxLayout()
        header.addWidget(self.chapter_title, 1)
        header.addWidget(self.position)

        self.stage = PageStage(ctx)
        self.swipes = SwipeDetector(self.stage)
        self.swipes.swiped.connect(self._on_swipe)
        self.stage.front.text.link_activated.connect(self.open_link)
        self.stage.back.text.link_activated.connect(self.open_link)

        self.end_panel = QWidget()
        end = QVBoxLayout(self.end_panel)
        end.setContentsMargins(0, 0, 0, 0)
        self.up_next = label("", "heading")
        self.related_label = label("", "heading")
        self.related = QWidget()
        self.related_flow = FlowLayout(self.related)
        end.addWidget(self.up_next)
        end.addWidget(self.related_label)
        end.addWidget(self.related)

        self.back_button = TouchButton("", "primary")
        self.next_button = TouchButton("", "primary")
        self.dots = PageDots()
        self.back_button.clicked.connect(self.previous)
        self.next_button.clicked.connect(self.next)
        nav = QHBoxLayout()
        nav.addWidget(self.back_button, 3)
        nav.addWidget(self.dots, 4)
        nav.addWidget(self.next_button, 3)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.stage, 1)
        layout.addWidget(self.end_panel)
        layout.addLayout(nav)
        self._layout = layout
        self._nav = nav

    # --- state -------------------------------------------------------------------------------------------------

    def enter(self, **args: Any) -> None:
        self.swipes.set_enabled(True)
        chapter = str(args.get("chapter") or self.chapter_id)
        page = args.get("page", 0)
        self.chapter_id = chapter
        self._load()
        index = page if isinstance(page, int) else (self.chapter.index_of(str(page)) if self.chapter else 0)
        self.show_page(max(0, index), animate=False)

    def leave(self) -> None:
        self.swipes.set_enabled(False)
        self.stage.finish()

    def reset(self) -> None:
        self.chapter, self.chapter_id, self.index = None, "", 0

    def refresh(self) -> None:
        """New language, theme, size or content: the same chapter and page, redrawn."""
        m = self.ctx.metrics
        margin = m.px(32)
        self._layout.setContentsMargins(margin, m.px(20), margin, m.px(20))
        self._layout.setSpacing(m.px(16))
        self._nav.setSpacing(m.px(24))
        self.related_flow.set_spacing(m.px(12))
        self.dots.set_colours(self.ctx.palette.accent, self.ctx.palette.border)
        self.dots.setFixedHeight(m.target)
        if self.chapter_id:
            self._load()
            self.show_page(self.index, animate=False, counted=False)  # the same view, redrawn: not a new one

    def _load(self) -> None:
        self.chapter = self.ctx.source.catalogue(self.ctx.lang).chapter(self.chapter_id)

    # --- navigation --------------------------------------------------------------------------------------------

    @property
    def page_count(self) -> int:
        return len(self.chapter.pages) if self.chapter else 0

    @property
    def on_last_page(self) -> bool:
        return self.index >= self.page_count - 1

    def show_page(
        self, index: int, animate: bool = True, direction: int = 1, speed: float = 0.0, counted: bool = True
    ) -> None:
        """Show a page; `counted` (a page the patient went to, not the same page redrawn) counts it once."""
        if self.chapter is None or not self.chapter.pages:
            log.warning("chapter %r is not available", self.chapter_id)
            self.go("home")
            return
        index = max(0, min(index, self.page_count - 1))
        page = self.chapter.pages[index]
        if animate and index != self.index and self.isVisible():
            self.stage.turn(page, direction, speed)
        else:
            self.stage.show_now(page)
        self.index = index
        self._update_controls()
        if counted:
            self.ctx.source.record("page", f"{self.chapter_id}/{page.id}")
            if self.on_last_page:
                self.ctx.source.record("chapter-end", self.chapter_id)

    def next(self) -> None:
        if self.chapter is None:
            return
        if not self.on_last_page:
            self.show_page(self.index + 1, direction=1)
            return
        following = self.ctx.source.catalogue(self.ctx.lang).next_chapter(self.chapter_id)
        if following is not None:
            self.go("reader", chapter=following.id, page=0)
        else:
            self.go("home")

    def previous(self) -> None:
        if self.index > 0:
            self.show_page(self.index - 1, direction=-1)
        else:
            self.go("home")

    def _on_swipe(self, direction: int, speed: float) -> None:
        if direction > 0 and not self.on_last_page:
            self.show_page(self.index + 1, direction=1, speed=speed)
        elif direction < 0 and self.index > 0:
            self.show_page(self.index - 1, direction=-1, speed=speed)

    def open_link(self, target: str) -> None:
        if target.startswith("faq:"):
            self.go("faq", question=target[4:])
        elif target.startswith("page:"):
            chapter_id, _, page_id = target[5:].partition("/")
            if chapter_id == self.chapter_id and self.chapter is not None:
                index = self.chapter.index_of(page_id)
                if index >= 0:
                    self.show_page(index, direction=1 if index > self.index else -1)
                    return
            self.go("reader", chapter=chapter_id, page=page_id)

    def _update_controls(self) -> None:
        assert self.chapter is not None
        self.chapter_title.setText(self.chapter.title)
        self.position.setText(self.ctx.tr("reader.page_of", number=self.index + 1, total=self.page_count))
        self.dots.set_position(self.index, self.page_count)
        self.back_button.setText(
            "←  " + self.ctx.tr("reader.back" if self.index > 0 else "reader.all_topics")
        )
        last = self.on_last_page
        following = self.ctx.source.catalogue(self.ctx.lang).next_chapter(self.chapter_id) if last else None
        if not last:
            self.next_button.setText(self.ctx.tr("reader.next") + "  →")
        elif following is not None:
            self.next_button.setText(self.ctx.tr("reader.next_topic") + "  →")
        else:
            self.next_button.setText(self.ctx.tr("reader.all_topics") + "  →")
        self._show_end(last, following.title if following is not None else "")

    def _show_end(self, last: bool, following: str) -> None:
        """On the last page: what comes next, and the questions about this chapter."""
        clear_layout(self.related_flow)
        questions = (
            self.ctx.source.catalogue(self.ctx.lang).related_questions(self.chapter_id) if last else ()
        )
        self.end_panel.setVisible(last and bool(questions or following))
        self.up_next.setText(self.ctx.tr("reader.next_chapter", title=following))
        self.up_next.setVisible(bool(following))
        self.related_label.setText(self.ctx.tr("reader.related"))
        self.related_label.setVisible(bool(questions))
        pad = self.ctx.metrics.px(18)
        for question in questions:
            button = WrapButton(question.question)
            button.set_padding(pad, pad // 2)
            button.clicked.connect(lambda qid=question.id: self.go("faq", question=qid))
            self.related_flow.add(button)

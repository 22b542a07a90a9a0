"""Colours, sizes and the style sheet, for the normal and high-contrast themes and any screen size.

Sizes scale with the short side of the window, so a 1080-pixel-high landscape screen and a 1080-pixel-wide
portrait one get the same 28 px body text (about 4.8 mm capital height on a 21.5" screen). Touch targets never go
below 48 px, and primary buttons never below 64 px, however small the window.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Template

from kiosk import paths


@dataclass(frozen=True)
class Palette:
    name: str
    background: str
    surface: str
    ink: str
    muted: str
    accent: str
    accent_ink: str
    accent_soft: str
    border: str
    link: str
    footer: str
    footer_ink: str
    focus: str
    overlay: str


NORMAL = Palette(
    name="normal",
    background="#F7F5F0",
    surface="#FFFFFF",
    ink="#1B2A36",
    muted="#34485A",
    accent="#145F57",
    accent_ink="#FFFFFF",
    accent_soft="#DCEFEC",
    border="#6F8496",
    link="#0F4F7A",
    footer="#1F3A4D",
    footer_ink="#FFFFFF",
    focus="#C2410C",
    overlay="rgba(27, 42, 54, 200)",
)
HIGH_CONTRAST = Palette(
    name="high-contrast",
    background="#000000",
    surface="#000000",
    ink="#FFFFFF",
    muted="#FFFFFF",
    accent="#FFE14D",
    accent_ink="#000000",
    accent_soft="#1A1A1A",
    border="#FFFFFF",
    link="#FFE14D",
    footer="#000000",
    footer_ink="#FFE14D",
    focus="#00E5FF",
    overlay="rgba(0, 0, 0, 230)",
)

BODY_PX = 28  # at a 1080-pixel short side
LARGE_TEXT = 1.5


@dataclass(frozen=True)
class Metrics:
    scale: float  # layout scale from the window size
    text: float  # 1.0, or LARGE_TEXT in large-text mode

    def px(self, value: float) -> int:
        """A layout size (margins, gaps, pictures) at this window size."""
        return max(1, round(value * self.scale))

    def font(self, value: float) -> int:
        """A text size: scaled with the window and with large-text mode, never below 16 px."""
        return max(16, round(value * self.scale * self.text))

    @property
    def body(self) -> int:
        return self.font(BODY_PX)

    @property
    def target(self) -> int:
        """Smallest tap target: 48 px and about 10 mm."""
        return max(48, self.px(56))

    @property
    def primary(self) -> int:
        """Primary buttons (next, back, home, answers)."""
        return max(64, self.px(80))


def metrics_for(width: int, height: int, large_text: bool) -> Metrics:
    short = max(1, min(width, height))
    return Metrics(scale=max(0.6, min(short / 1080, 2.0)), text=LARGE_TEXT if large_text else 1.0)


def stylesheet(palette: Palette, metrics: Metrics) -> str:
    template = Template((paths.resources_dir() / "theme.qss").read_text(encoding="utf-8"))
    values = {key: value for key, value in vars(palette).items()}
    values.update(
        body=metrics.body,
        small=metrics.font(22),
        large=metrics.font(36),
        title=metrics.font(46),
        huge=metrics.font(64),
        target=metrics.target,
        primary=metrics.primary,
        pad=metrics.px(24),
        gap=metrics.px(16),
        radius=metrics.px(18),
        border_width=max(2, metrics.px(3)),
    )
    return template.substitute(values)


def document_css(palette: Palette, metrics: Metrics) -> str:
    """Styles for content HTML shown in text views (QTextDocument's CSS subset)."""
    return (
        f"body {{ color: {palette.ink}; font-size: {metrics.body}px; }}"
        f"p {{ margin-top: 0px; margin-bottom: {metrics.font(14)}px; line-height: 135%; }}"
        f"li {{ margin-bottom: {metrics.font(8)}px; }}"
        f"a {{ color: {palette.link}; text-decoration: underline; font-weight: bold; }}"
        f"strong, b {{ font-weight: bold; }}"
        f"h3, h4 {{ font-size: {metrics.font(32)}px; margin-bottom: {metrics.font(10)}px; }}"
    )


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two #RRGGBB colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)

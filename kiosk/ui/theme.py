"""Colours, sizes and the style sheet, for the normal and high-contrast themes, any screen and three text sizes.

Layout sizes (margins, gaps, pictures, tap targets) scale with the short side of the window. Text is sized in
physical units when the screen reports its size: 28 px on a 21.5" 1080p screen is about 6.9 mm, capitals about
4.8 mm tall, and other screens get the same millimetres, within the range the layout is designed for. When the
screen does not report it, text scales with the window like everything else. The patient chooses normal, large
or largest text; touch targets never go below 48 px, and primary buttons never below 64 px.
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
    alert: str
    overlay: str


NORMAL = Palette(
    name="normal",
    background="#F7F5F0",
    surface="#FFFFFF",
    ink="#1B2A36",
    muted="#34485A",
    accent="#0F554D",
    accent_ink="#FFFFFF",
    accent_soft="#DCEFEC",
    border="#6F8496",
    link="#0F4F7A",
    footer="#1F3A4D",
    footer_ink="#FFFFFF",
    focus="#C2410C",
    alert="#852C0E",
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
    alert="#FFB4A8",
    overlay="rgba(0, 0, 0, 230)",
)

BODY_PX = 28  # at a 1080-pixel short side
BODY_MM = 6.94  # 28 px at 0.248 mm a pixel (21.5", 1080p): capitals about 4.8 mm tall
#: Normal, large, largest. Largest is the standard's 1.5x; large sits between.
TEXT_SIZES = ("normal", "large", "largest")
TEXT_FACTORS = (1.0, 1.25, 1.5)
#: Controls (buttons, the bar) grow with the text up to this factor, so they stay on one row and the page keeps
#: its room; what there is to read grows all the way.
CONTROL_FACTOR = 1.25
#: One step down the type scale: captions and summaries are never smaller than body text less one step.
STEP = 0.86
#: Physical text sizes are kept within this range of the window-scaled size, the range the layout is built for.
PHYSICAL_RANGE = (0.85, 1.15)
#: A comfortable line: about 70 characters at most, at every size.
LINE_CHARS = 70
#: Lines 1.5 font sizes apart (WCAG 1.4.8): Atkinson Hyperlegible's own spacing is 1.24, and 1.24 x 121% = 1.5.
LINE_HEIGHT = 121


@dataclass(frozen=True)
class Metrics:
    scale: float  # layout scale from the window size
    text: float = 1.0  # the patient's text size: one of TEXT_FACTORS
    type_scale: float = 0.0  # text scale from the screen's physical size; 0: the layout scale

    def px(self, value: float) -> int:
        """A layout size (margins, gaps, pictures) at this window size."""
        return max(1, round(value * self.scale))

    def font(self, value: float) -> int:
        """A size for text to read: at this screen's scale and the patient's text size, never below 16 px.

        However large the screen says its pixels are, the largest text stays within what the layout is built
        for: the largest text size at the window's own scale."""
        size = value * (self.type_scale or self.scale) * self.text
        return max(16, round(min(size, value * self.scale * TEXT_FACTORS[-1])))

    def control(self, value: float) -> int:
        """A size for text on controls: it grows with the patient's text size only up to CONTROL_FACTOR."""
        size = value * (self.type_scale or self.scale) * min(self.text, CONTROL_FACTOR)
        return max(16, round(min(size, value * self.scale * CONTROL_FACTOR)))

    @property
    def body(self) -> int:
        return self.font(BODY_PX)

    @property
    def control_body(self) -> int:
        return self.control(BODY_PX)

    @property
    def small(self) -> int:
        """Captions, summaries and secondary text: one step under body."""
        return max(16, round(self.body * STEP))

    @property
    def target(self) -> int:
        """Smallest tap target: 48 px and about 10 mm, and always comfortably taller than its text."""
        return max(48, self.px(56), round(self.control_body * 1.7))

    @property
    def primary(self) -> int:
        """Primary buttons (next, back, home, answers)."""
        return max(64, self.px(80), round(self.control_body * 2.1))

    @property
    def compact(self) -> bool:
        """Little room for what there is to read (the largest text, or larger text on a short screen): in
        landscape, what surrounds the page draws in."""
        return self.text >= TEXT_FACTORS[-1] or (self.scale < 0.84 and self.text > 1.0)

    @property
    def text_size(self) -> int:
        """The text size level (0 normal, 1 large, 2 largest)."""
        return min(range(len(TEXT_FACTORS)), key=lambda level: abs(TEXT_FACTORS[level] - self.text))


def screen_mm_per_px(width_mm: float, width_px: int, platform: str) -> float | None:
    """Millimetres per pixel as the screen reports them, or None when it reports nothing believable (no
    physical size, a virtual platform, or a pitch no real display has)."""
    if platform in ("offscreen", "minimal", "vnc") or width_mm <= 0 or width_px <= 0:
        return None
    pitch = width_mm / width_px
    return pitch if 0.1 <= pitch <= 0.6 else None


def metrics_for(width: int, height: int, text_size: int = 0, mm_per_px: float | None = None) -> Metrics:
    """Sizes for a window of `width` x `height` at text size level `text_size` (0 normal, 1 large, 2 largest),
    on a screen of `mm_per_px` if known."""
    short = max(1, min(width, height))
    scale = max(0.6, min(short / 1080, 2.0))
    type_scale = 0.0
    if mm_per_px:
        physical = BODY_MM / mm_per_px / BODY_PX
        low, high = PHYSICAL_RANGE
        type_scale = min(max(physical, scale * low), scale * high)
    level = max(0, min(int(text_size), len(TEXT_FACTORS) - 1))
    return Metrics(scale=scale, text=TEXT_FACTORS[level], type_scale=type_scale)


def stylesheet(palette: Palette, metrics: Metrics) -> str:
    template = Template((paths.resources_dir() / "theme.qss").read_text(encoding="utf-8"))
    values = {key: value for key, value in vars(palette).items()}
    values.update(
        body=metrics.body,
        small=metrics.small,
        large=metrics.font(36),
        title=metrics.font(46),
        huge=metrics.font(64),
        control=metrics.control_body,
        control_small=metrics.control(BODY_PX * STEP),
        control_large=metrics.control(36),
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
        f"p {{ margin-top: 0px; margin-bottom: {metrics.font(14)}px; line-height: {LINE_HEIGHT}%; }}"
        f"li {{ margin-bottom: {metrics.font(8)}px; line-height: {LINE_HEIGHT}%; }}"
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

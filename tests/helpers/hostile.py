"""Files made to cost far more than their size, for the input-budget tests."""

from __future__ import annotations

import struct
import zlib

from kiosk.content import pictures

SVG = 'xmlns="http://www.w3.org/2000/svg"'


def png(width: int, height: int) -> bytes:
    """A PNG header promising `width` x `height`, with no pixels behind it."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + header
    return pictures.PNG_MAGIC + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk))


def use_bomb(levels: int, fan_out: int) -> bytes:
    """The issue's picture: groups that each use the group below `fan_out` times, `levels` deep; one per line."""
    lines = [f'<svg {SVG} viewBox="0 0 100 100"><defs>', '<g id="l0"><path d="M0 0L100 100L0 100Z"/></g>']
    for level in range(1, levels + 1):
        lines.append(f'<g id="l{level}">' + f'<use href="#l{level - 1}"/>' * fan_out + "</g>")
    lines.append(f'</defs><use href="#l{levels}"/></svg>')
    return "\n".join(lines).encode()


#: YAML whose aliases expand to 9^9 strings: a few hundred bytes that would take gigabytes.
ALIAS_BOMB = "\n".join(
    ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    + [
        f"{this}: &{this} [" + ",".join([f"*{last}"] * 9) + "]"
        for last, this in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    + ["languages: *i", ""]
)

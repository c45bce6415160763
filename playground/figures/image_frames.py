"""PNG frames of the Images lab's views, drawn while training plays (see figures/raster.py for why: a
Plotly chart remounts and blanks on every data update; an image keeps the last frame until the next).

Mosaics of small images (filters, feature maps, the misclassified gallery) and the confusion matrix,
with the same colours as their Plotly twins in figures/images.py. Pure functions returning PNG bytes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from playground.figures.palette import BLUE, INK, diverging_rgb, hex_to_rgb
from playground.figures.raster import _png

# Viridis at five stops (Plotly's "Viridis"), for feature maps.
_VIRIDIS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], np.float32)


def viridis_rgb(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] -> uint8 RGB [..., 3] along Viridis."""
    t = np.clip(values, 0, 1) * (len(_VIRIDIS) - 1)
    lo = np.floor(t).astype(int).clip(0, len(_VIRIDIS) - 2)
    f = (t - lo)[..., None]
    return (_VIRIDIS[lo] * (1 - f) + _VIRIDIS[lo + 1] * f).astype(np.uint8)


def ink_rgb(values: np.ndarray) -> np.ndarray:
    """Pixels in [0, 1] -> white paper, dark ink (figures/images.py INK_SCALE)."""
    v = 255 - np.clip(values, 0, 1) * (255 - 17)
    return np.repeat(v[..., None], 3, -1).astype(np.uint8)


def _ascii(text: str) -> str:
    """PIL's built-in font has no arrows or maths signs."""
    return text.replace("→", ">").replace("×", "x").replace("−", "-")


def _tiles(rgb: np.ndarray, cols: int, scale: int, captions: Sequence[str], colors: Sequence[str] | None,
           title: str = "") -> Image.Image:
    """[N, H, W, 3] uint8 tiles -> one image, `scale` screen pixels per image pixel, captions under tiles."""
    n, h, w, _ = rgb.shape
    font = ImageFont.load_default(size=13)
    cap = 16 if captions else 0
    head = 20 if title else 0
    tw, th, gap = w * scale, h * scale, 6
    rows = max(1, -(-n // cols))
    img = Image.new("RGB", (cols * (tw + gap) - gap, head + rows * (th + cap + gap) - gap), "white")
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((0, 2), _ascii(title), fill=INK, font=font)
    for i in range(n):
        r, c = divmod(i, cols)
        x, y = c * (tw + gap), head + r * (th + cap + gap)
        img.paste(Image.fromarray(rgb[i]).resize((tw, th), Image.NEAREST), (x, y))
        draw.rectangle((x, y, x + tw - 1, y + th - 1), outline="#d1d5db")
        if captions:
            draw.text((x + tw / 2, y + th + 2), _ascii(captions[i]), fill=(colors or [INK] * n)[i], anchor="mt",
                      font=font)
    return img


def mosaic_png(images: np.ndarray, captions: Sequence[str] = (), *, cols: int = 12, signed: bool = False,
               scale: int = 8, caption_colors: Sequence[str] | None = None, title: str = "") -> bytes:
    """Small images [N, H, W]: pixels in [0, 1] as ink, or signed values on the diverging scale."""
    if signed:
        lim = float(np.abs(images).max()) or 1.0
        rgb = diverging_rgb(images, lim)
    else:
        rgb = ink_rgb(images)
    return _png(_tiles(rgb, max(1, min(cols, len(images))), scale, captions, caption_colors, title))


def feature_maps_png(maps: Sequence[np.ndarray], titles: Sequence[str], *, cols: int = 16, width: int = 900) -> bytes:
    """One row of tiles per layer ([C, H, W] each, scaled to [0, 1] per map), Viridis, titled."""
    rows = []
    for m, title in zip(maps, titles):
        scale = max(2, min(16, width // (cols * (m.shape[2] + 1))))
        rows.append(_tiles(viridis_rgb(m), max(1, min(cols, len(m))), scale, (), None, title))
    img = Image.new("RGB", (max(r.width for r in rows), sum(r.height + 10 for r in rows)), "white")
    y = 0
    for r in rows:
        img.paste(r, (0, y))
        y += r.height + 10
    return _png(img)


def confusion_png(matrix: np.ndarray, class_names: Sequence[str], *, cell: int = 30) -> bytes:
    """Counts [true, predicted] as a grid (white -> blue) with the count in each cell."""
    k = len(class_names)
    font = ImageFont.load_default(size=12)
    left, top = 44, 26
    img = Image.new("RGB", (left + k * cell + 4, top + k * cell + 34), "white")
    draw = ImageDraw.Draw(img)
    draw.text((left, 4), "Confusion matrix (test): rows true, columns predicted", fill=INK, font=font)
    peak = float(matrix.max()) or 1.0
    blue, white = hex_to_rgb(BLUE), hex_to_rgb("#f7f7f7")
    for t in range(k):
        draw.text((left - 6, top + t * cell + cell / 2), str(class_names[t])[:5], fill=INK, anchor="rm", font=font)
        draw.text((left + t * cell + cell / 2, top + k * cell + 6), str(class_names[t])[:5], fill=INK, anchor="mt",
                  font=font)
        for p in range(k):
            v = float(matrix[t, p])
            rgb = tuple(int(c) for c in white + (blue - white) * (v / peak))
            box = (left + p * cell, top + t * cell, left + (p + 1) * cell - 1, top + (t + 1) * cell - 1)
            draw.rectangle(box, fill=rgb)
            if v:
                draw.text((box[0] + cell / 2, box[1] + cell / 2), str(int(v)), anchor="mm", font=font,
                          fill="white" if v / peak > 0.55 else INK)
    return _png(img)

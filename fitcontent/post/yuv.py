"""Frames as yuv420p, the encoder's own format: composing in it skips two colour conversions per frame.

A frame is one flat uint8 buffer: the Y plane (h x w), then U and V (h/2 x w/2 each). Conversions use
BT.601 limited range, the matrix ffmpeg's scaler uses by default, so colours drawn here match colours
in clips that ffmpeg converted. Everything placed on a frame sits on even coordinates with even sizes,
so it covers whole chroma samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def frame_bytes(width: int, height: int) -> int:
    return width * height * 3 // 2


def planes(buffer: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Views of the Y, U and V planes of a flat yuv420p buffer."""
    luma, chroma = width * height, (width // 2) * (height // 2)
    return (buffer[:luma].reshape(height, width), buffer[luma:luma + chroma].reshape(height // 2, width // 2),
            buffer[luma + chroma:luma + 2 * chroma].reshape(height // 2, width // 2))


def _yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return y, u, v


def _half(plane: np.ndarray) -> np.ndarray:
    """2x2 block means (the chroma subsampling)."""
    return (plane[0::2, 0::2] + plane[1::2, 0::2] + plane[0::2, 1::2] + plane[1::2, 1::2]) / 4


def from_rgb(rgb: np.ndarray) -> np.ndarray:
    """An h x w x 3 RGB image (even sizes) as a flat yuv420p buffer."""
    height, width = rgb.shape[:2]
    y, u, v = _yuv(rgb)
    out = np.empty(frame_bytes(width, height), np.uint8)
    for plane, values in zip(planes(out, width, height), (y, _half(u), _half(v)), strict=True):
        plane[:] = np.clip(np.rint(values), 0, 255)
    return out


def to_rgb(buffer: np.ndarray, width: int, height: int) -> np.ndarray:
    """A flat yuv420p buffer as an h x w x 3 RGB image (chroma repeated per 2x2 block)."""
    y, u, v = planes(buffer, width, height)
    y = (y.astype(np.float32) - 16) * (255 / 219)
    u = np.repeat(np.repeat(u.astype(np.float32) - 128, 2, 0), 2, 1) * (255 / 224)
    v = np.repeat(np.repeat(v.astype(np.float32) - 128, 2, 0), 2, 1) * (255 / 224)
    rgb = np.stack([y + 1.402 * v, y - 0.344136 * u - 0.714136 * v, y + 1.772 * u], axis=-1)
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


@dataclass
class Overlay:
    """A premultiplied RGBA patch converted to yuv420p once: blending is ``premul + under * inverse / 255``
    per plane, on a small region, every frame it shows."""

    x: int
    y: int
    premul: tuple[np.ndarray, np.ndarray, np.ndarray]
    inverse: tuple[np.ndarray, np.ndarray, np.ndarray]
    start: float = 0.0
    end: float = float("inf")

    @classmethod
    def of(cls, rgba: np.ndarray, x: int, y: int, opacity: float = 1.0, start: float | None = None,
           end: float | None = None) -> Overlay:
        """``rgba`` (h x w x 4) at (x, y); odd positions and sizes are padded with transparency."""
        pad_x, pad_y = x % 2, y % 2
        height, width = rgba.shape[0] + pad_y, rgba.shape[1] + pad_x
        height, width = height + height % 2, width + width % 2
        padded = np.zeros((height, width, 4), np.uint8)
        padded[pad_y:pad_y + rgba.shape[0], pad_x:pad_x + rgba.shape[1]] = rgba
        alpha = padded[..., 3].astype(np.float32) * opacity
        y_plane, u_plane, v_plane = _yuv(padded)
        half_alpha = _half(alpha)
        premul = (y_plane * alpha, _half(u_plane * alpha), _half(v_plane * alpha))
        inverse = (255 - alpha, 255 - half_alpha, 255 - half_alpha)
        return cls(x - pad_x, y - pad_y, tuple(np.rint(p).astype(np.uint32) for p in premul),
                   tuple(np.rint(i).astype(np.uint32) for i in inverse),
                   0.0 if start is None else start, float("inf") if end is None else end)

    def blend(self, frame: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        for index, plane in enumerate(frame):
            scale = 1 if index == 0 else 2
            premul, inverse = self.premul[index], self.inverse[index]
            top, left = self.y // scale, self.x // scale
            region = plane[top:top + premul.shape[0], left:left + premul.shape[1]]
            region[:] = (premul + region * inverse) // 255

"""A composition handed to moviepy gives the same frames the compositor encodes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from fitcontent.fonts import default_font
from fitcontent.media import encode_h264
from fitcontent.post.compose import Box, PanelSpec, RenderSpec, SceneSpec, to_moviepy


def test_to_moviepy_yields_rgb_frames_with_the_panel_colour(tmp_path: Path) -> None:
    clip = tmp_path / "blue.mp4"
    encode_h264(clip, [np.full((64, 96, 3), (30, 60, 200), np.uint8)] * 8, 96, 64, 8)
    font = default_font()
    panel = PanelSpec(clip=str(clip), sha256="-", frames=8, fps=8, size=(96, 64), scaled=(96, 64), crop=(0, 0),
                      dest=Box(x=16, y=8, w=96, h=64))
    spec = RenderSpec(id="t", kind="demo", format="test", width=128, height=80, fps=8, font=str(font.path),
                      font_index=font.index, font_sha256="-",
                      scenes=[SceneSpec(duration=1.0, background="#ffffff", panels=[panel])])
    video = to_moviepy(spec)
    assert (video.duration, video.size) == (1.0, (128, 80))
    frame = video.get_frame(0.5)
    assert frame.shape == (80, 128, 3)
    assert np.abs(frame[40, 64].astype(int) - (30, 60, 200)).max() <= 12  # the clip, inside its panel
    assert np.abs(frame[2, 2].astype(int) - (255, 255, 255)).max() <= 6  # the background around it

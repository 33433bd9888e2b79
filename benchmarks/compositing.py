"""Compositing through fitcontent against the equivalent raw ffmpeg filter graph, in one run.

Usage: .venv/bin/python benchmarks/compositing.py [repeats]
Makes four 1360x768 clips of 81 frames at 16 fps (CogVideoX1.5 geometry; the preview mannequin from four
cameras), then composes a 2x2 grid with an 8-pixel border and a label on each cell, at native size
(2752x1568, no scaling), both ways with the same encoder settings (libx264 at fitcontent's preset, CRF 20, High,
yuv420p, +faststart):
  fitcontent: compose.render_video (moviepy decode + one-pass canvas + one encode), timed in-process;
  ffmpeg: pad + drawtext per input, xstack, one encode, timed as a subprocess.
Prints each median and the ratio fitcontent / ffmpeg (target <= 1.5).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg

import fitcontent
from fitcontent.media import RENDER_CRF as CRF
from fitcontent.media import X264_PRESET, probe
from fitcontent.post.compose import Box, PanelSpec, RenderSpec, SceneSpec, TextSpec, render_video
from fitcontent.post.text import default_font

WIDTH, HEIGHT, FRAMES, FPS = 1360, 768, 81, 16
BORDER, LABEL_SIZE = 8, 40
ANGLES = ("front", "side", "back", "low-angle")
GREEN = "#16a34a"


def make_clips(dist: Path) -> list[Path]:
    request = fitcontent.make_request(exercises=["squat"], angles=list(ANGLES), errors=["none"], width=WIDTH,
                                      height=HEIGHT, frames=FRAMES, fps=FPS, layouts=["none"])
    report = fitcontent.build(request, out=dist)
    assert not report.failed, report.failed
    return [dist / "squat" / f"bodyweight-{angle}-correct.mp4" for angle in ANGLES]


def fitcontent_spec(clips: list[Path]) -> RenderSpec:
    font = default_font()
    cell_w, cell_h = WIDTH + 2 * BORDER, HEIGHT + 2 * BORDER
    panels = []
    for index, (clip, angle) in enumerate(zip(clips, ANGLES, strict=True)):
        x, y = (index % 2) * cell_w + BORDER, (index // 2) * cell_h + BORDER
        label = TextSpec(text=angle.title(), box=Box(x=x + 8, y=y + 8, w=600, h=80), size=LABEL_SIZE,
                         color="#ffffff", background=GREEN, mark="correct")
        panels.append(PanelSpec(clip=str(clip), sha256="-", frames=FRAMES, fps=FPS, size=(WIDTH, HEIGHT),
                                scaled=(WIDTH, HEIGHT), crop=(0, 0), dest=Box(x=x, y=y, w=WIDTH, h=HEIGHT),
                                border=GREEN, border_width=BORDER, label=label))
    return RenderSpec(id="bench", kind="angle-grid", format="native", width=2 * cell_w, height=2 * cell_h, fps=FPS,
                      font=str(font.path), font_index=font.index, font_sha256="-",
                      scenes=[SceneSpec(duration=FRAMES / FPS, background="#000000", panels=panels)])


def ffmpeg_command(clips: list[Path], out: Path) -> list[str]:
    font = default_font().path
    inputs = [arg for clip in clips for arg in ("-i", str(clip))]
    chains = [
        f"[{i}:v]pad={WIDTH + 2 * BORDER}:{HEIGHT + 2 * BORDER}:{BORDER}:{BORDER}:color=0x16a34a,"
        f"drawtext=fontfile='{font}':text='{angle.title()}':x={BORDER + 16}:y={BORDER + 16}:fontsize={LABEL_SIZE}:"
        f"fontcolor=white:box=1:boxcolor=0x16a34a:boxborderw=12[c{i}]"
        for i, angle in enumerate(ANGLES)
    ]
    graph = ";".join(chains) + ";[c0][c1][c2][c3]xstack=inputs=4:layout=0_0|w0_0|0_h0|w0_h0[out]"
    return [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", *inputs, "-filter_complex", graph,
            "-map", "[out]", "-c:v", "libx264", "-preset", X264_PRESET, "-crf", str(CRF), "-profile:v", "high",
            "-pix_fmt", "yuv420p", "-g", str(FPS // 2), "-movflags", "+faststart", str(out)]


def main(repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ.setdefault("FITCONTENT_CACHE", str(tmp_path / "cache"))
        clips = make_clips(tmp_path / "dist")
        spec = fitcontent_spec(clips)
        ours, theirs = [], []
        for _ in range(repeats):  # alternate, so drift of the machine hits both sides alike
            start = time.perf_counter()
            render_video(spec, tmp_path / "fitcontent.mp4")
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            subprocess.run(ffmpeg_command(clips, tmp_path / "ffmpeg.mp4"), check=True)
            theirs.append(time.perf_counter() - start)
        for name in ("fitcontent.mp4", "ffmpeg.mp4"):
            info = probe(tmp_path / name)
            print(f"{name}: {info.width}x{info.height}, {info.frames} frames, {info.codec} {info.pix_fmt}, "
                  f"{(tmp_path / name).stat().st_size / 1e6:.1f} MB")
    ours_s, theirs_s = statistics.median(ours), statistics.median(theirs)
    print(f"fitcontent compose+encode: median {ours_s:.2f} s of {[round(t, 2) for t in ours]}")
    print(f"ffmpeg filter graph:       median {theirs_s:.2f} s of {[round(t, 2) for t in theirs]}")
    print(f"ratio fitcontent / ffmpeg: {ours_s / theirs_s:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)

"""Preview rendering against encoding the same frames, and the wall time of a whole squat build.

Usage: .venv/bin/python benchmarks/preview_render.py [repeats]
Prints, for one shot at the default size (720x480, 49 frames), the median time to render the
frames, to encode already-rendered frames, and their ratio (the renderer should cost no more than
the encoder); then the wall time of `fitcontent build squat --angles all` on an empty store.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fitcontent
from fitcontent.generation.preview import PreviewBackend
from fitcontent.media import encode_h264
from fitcontent.pose.render import PreviewRenderer


def main(repeats: int) -> None:
    catalog = fitcontent.load_catalog()
    spec = fitcontent.plan(fitcontent.make_request(exercises=["squat"], angles=["side"], errors=["none"])).shots[0]
    backend = PreviewBackend(catalog)
    render_times, encode_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            start = time.perf_counter()
            motion = backend.motion(spec)
            renderer = PreviewRenderer(motion.camera, motion.track.highlight)
            frames = [renderer.render(motion.track.joints[i], motion.props[i], float(motion.track.error_shown[i]))
                      for i in range(spec.frames)]
            render_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            encode_h264(Path(tmp) / "clip.mp4", frames, spec.width, spec.height, spec.fps)
            encode_times.append(time.perf_counter() - start)
        render, encode = statistics.median(render_times), statistics.median(encode_times)
        print(f"shot {spec.id}: {spec.width}x{spec.height}, {spec.frames} frames, median of {repeats}")
        per_frame = 1000 / spec.frames
        print(f"render {render:.3f} s ({render * per_frame:.1f} ms/frame), encode {encode:.3f} s "
              f"({encode * per_frame:.1f} ms/frame), render/encode {render / encode:.2f}")
        env = {**os.environ, "FITCONTENT_CACHE": str(Path(tmp) / "cache")}
        command = [str(Path(sys.executable).with_name("fitcontent")), "build", "squat", "--angles", "all",
                   "--out", str(Path(tmp) / "dist"), "-q"]
        start = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        warm = time.perf_counter() - start
        print(f"fitcontent build squat --angles all: {cold:.1f} s on an empty store, {warm:.2f} s rerun "
              f"(all cached); {result.stdout.strip()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)

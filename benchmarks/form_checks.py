"""What the form checks add to `catalog validate`, and what the reading aids cost the preview, in one run.

Usage: .venv/bin/python benchmarks/form_checks.py [repeats]
Prints the median time of `validate()` and of its signature and visibility checks (every movement x
variation x error x listed angle), and the share of the checks; then the preview's time per frame
for a correct shot, an error shot (highlight) and an error shot with coaching overlays, as ratios
to the correct shot.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

import fitcontent
from fitcontent.pose.overlays import shot_overlay
from fitcontent.pose.render import PreviewRenderer
from fitcontent.pose.signatures import check_forms
from fitcontent.pose.stills import motion_for
from fitcontent.post.text import default_font


def _median(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(repeats: int) -> None:
    settings = fitcontent.load_settings()
    catalog = fitcontent.load_catalog(settings)
    whole = _median(repeats, lambda: fitcontent.validate(settings))
    forms = _median(repeats, lambda: check_forms(catalog))
    rows = len(check_forms(catalog)[0])
    print(f"validate {whole:.2f} s, of which form checks {forms:.2f} s ({rows} rows: "
          f"{forms / rows * 1000:.0f} ms a row); form checks / validate {forms / whole:.2f}")

    per_frame = {}
    for label, error, overlays in (("correct", None, False), ("knee-valgus", "knee-valgus", False),
                                   ("knee-valgus + overlays", "knee-valgus", True)):
        motion = motion_for(catalog, "squat", None, error, "front", 720, 480, 49, 8)
        overlay = shot_overlay(catalog, "squat", "bodyweight", error or "correct",
                               "front", motion, default_font().at) if overlays else None

        def render(motion=motion, overlay=overlay) -> None:
            renderer = PreviewRenderer(motion.camera, motion.track.highlight)
            for i in range(motion.track.frames):
                frame = renderer.render(motion.track.joints[i], motion.props[i], float(motion.track.error_shown[i]))
                if overlay:
                    overlay.draw(frame, i)

        per_frame[label] = _median(repeats, render) / motion.track.frames
    plain = per_frame["correct"]
    print("preview, squat front 720x480: " + ", ".join(
        f"{label} {seconds * 1000:.1f} ms/frame ({seconds / plain:.2f}x)" for label, seconds in per_frame.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)

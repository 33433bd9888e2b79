"""Can a viewer see an error from a camera? The moved segments must be in frame, not hidden by the
body or a solid prop (the renderer's own depth order decides), and move far enough on screen."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitcontent.pose.render import PreviewRenderer, highlighted_bones
from fitcontent.pose.skeleton import INDEX
from fitcontent.pose.stills import ShotMotion

MIN_CHANGE = 0.04
"""The error's on-screen change must be at least this fraction of the figure's size (its larger
side on screen): 4 % is about 20 px on a 720x480 preview, a clear move at phone size."""
MIN_COVERAGE = 0.4
"""At least 40 % of the moved segments' drawn area must stay in view: enough to read their outline."""
VIEW_COS = 0.5
"""A frontal metric needs a camera within 60 degrees of front or back, a sagittal one within 60 of a side."""


@dataclass(frozen=True)
class Visibility:
    frame: int
    change: float  # on-screen change of the moved points, as a fraction of the figure's size
    coverage: float  # fraction of the moved segments' area in view
    in_frame: bool
    view_ok: bool

    @property
    def visible(self) -> bool:
        return self.in_frame and self.view_ok and self.change >= MIN_CHANGE and self.coverage >= MIN_COVERAGE

    def reason(self) -> str:
        """Why it is not visible, in words a catalog author can act on."""
        reasons = []
        if not self.view_ok:
            reasons.append("the metric's plane is edge-on to this camera")
        if not self.in_frame:
            reasons.append("the moved segments leave the frame")
        if self.change < MIN_CHANGE:
            reasons.append(f"it moves {self.change:.1%} of the figure on screen (need {MIN_CHANGE:.0%})")
        if self.coverage < MIN_COVERAGE:
            reasons.append(f"{self.coverage:.0%} of the moved segments are in view (need {MIN_COVERAGE:.0%})")
        return "; ".join(reasons)


def view_ok(view: str, yaw_deg: float) -> bool:
    """Whether a camera at ``yaw_deg`` sees a metric's plane (x is always the body's left axis)."""
    yaw = np.radians(yaw_deg)
    if view == "frontal":
        return abs(np.cos(yaw)) >= VIEW_COS - 1e-9
    if view == "sagittal":
        return abs(np.sin(yaw)) >= VIEW_COS - 1e-9
    return True


def visibility(motion: ShotMotion, correct: np.ndarray, frames: list[int], view: str, yaw_deg: float) -> Visibility:
    """How well ``motion``'s error shows against the ``correct`` joints, at whichever of ``frames``
    it differs most on screen (both projected through the error shot's camera)."""
    bones = highlighted_bones(motion.track.highlight)
    points = sorted({INDEX[j] for bone in bones for j in bone})
    camera = motion.camera
    best, change = frames[0], -1.0
    for frame in frames:
        xy, _ = camera.project(motion.track.joints[frame])
        ref, _ = camera.project(correct[frame])
        size = float(np.ptp(xy, axis=0).max())
        moved = float(np.linalg.norm(xy[points] - ref[points], axis=1).max()) / size if points else 0.0
        if moved > change:
            best, change = frame, moved
    xy, _ = camera.project(motion.track.joints[best])
    inside = bool(((xy[points] >= 0) & (xy[points] <= [camera.width, camera.height])).all())
    coverage = PreviewRenderer(camera, motion.track.highlight, supersample=1).coverage(
        motion.track.joints[best], motion.props[best], bones) if bones else 0.0
    return Visibility(best, change, coverage, inside, view_ok(view, yaw_deg))

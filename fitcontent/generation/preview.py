"""The preview backend: the catalog's pose track rendered as a shaded mannequin; no model, no GPU."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PIL import ImageFont

from fitcontent.catalog.loader import Catalog
from fitcontent.generation.base import Clip, Progress, ShotSpec
from fitcontent.pose.control import BODY18, body18
from fitcontent.pose.overlays import FontAt, shot_overlay
from fitcontent.pose.render import PreviewRenderer
from fitcontent.pose.skeleton import JOINTS
from fitcontent.pose.stills import ShotMotion, motion_for


class PreviewBackend:
    name = "preview"
    version = "6"
    model = None
    family = None
    draws_overlays = True

    def __init__(self, catalog: Catalog, overlay_font: Callable[[], FontAt] | None = None):
        """``overlay_font`` gives the face for overlay labels when a clip needs one (the caller's font;
        Pillow's own by default, which covers the English labels)."""
        self.catalog = catalog
        self.overlay_font = overlay_font
        self._last: tuple[ShotSpec, ShotMotion] | None = None

    def load(self) -> None:
        """Nothing to load: the pose engine is plain code."""

    def check(self, spec: ShotSpec) -> None:
        """Any size and length the catalog asks for."""

    def provenance(self) -> None:
        """Nothing to add: the spec and the version say how a clip was made."""

    def motion(self, spec: ShotSpec) -> ShotMotion:
        """The shot's motion; the last one is kept, since a build renders a clip and then writes its pose track."""
        plain = spec.with_overlays(False)  # a clip and its overlay twin share one motion
        if self._last is None or self._last[0] != plain:
            self._last = (plain, motion_for(self.catalog, spec.exercise, spec.variation, spec.form, spec.angle,
                                           spec.width, spec.height, spec.frames, spec.fps))
        return self._last[1]

    def generate(self, spec: ShotSpec, path: Path, progress: Progress | None = None) -> Clip:
        from fitcontent.media import encode_h264

        motion = self.motion(spec)
        renderer = PreviewRenderer(motion.camera, motion.track.highlight)
        overlay = None
        if spec.overlays:
            overlay = shot_overlay(self.catalog, spec.exercise, spec.variation, spec.form, spec.angle, motion,
                                   self.overlay_font() if self.overlay_font else _pillow_font)

        def frames():
            for i in range(spec.frames):
                frame = renderer.render(motion.track.joints[i], motion.props[i], float(motion.track.error_shown[i]))
                yield overlay.draw(frame, i) if overlay else frame
                if progress:
                    progress(i + 1, spec.frames)

        encode_h264(path, frames(), spec.width, spec.height, spec.fps)
        return Clip(path, spec.width, spec.height, spec.frames, spec.fps, self.name, None)


def _pillow_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


def pose_document(motion: ShotMotion) -> dict[str, Any]:
    """The pose track as JSON: 3D joints (metres, y up) and 2D OpenPose BODY-18 keypoints (pixels) per frame,
    and the pixel box (x0, y0, x1, y1) the drawn body and props stay in all clip long."""
    joints = motion.track.joints
    keypoints = [motion.camera.project(body18(frame))[0] for frame in joints]
    return {
        "fps": motion.track.fps,
        "frames": motion.track.frames,
        "width": motion.camera.width,
        "height": motion.camera.height,
        "subject": list(motion.subject_box()),
        "phases": [{"seconds": seconds, "phase": phase} for seconds, phase in motion.track.phase_times],
        "joints": JOINTS,
        "keypoints_3d": np.round(joints, 4).tolist(),
        "body18": BODY18,
        "keypoints_2d": np.round(np.array(keypoints), 2).tolist(),
    }

"""Perspective cameras placed from angles.yaml, framed so everything stays in the picture all clip long."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitcontent.catalog.models import Angle

MARGIN = 0.06
"""Fraction of the frame kept clear on every side."""


@dataclass(frozen=True)
class Camera:
    position: np.ndarray
    axes: np.ndarray  # rows: right, up, forward (world directions)
    focal: float  # pixels
    center: tuple[float, float]  # pixel position of the optical axis (shifted to frame the subject)
    width: int
    height: int

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates (N x 2, y down) and depth (N) of world points (N x 3)."""
        local = (np.asarray(points, dtype=float) - self.position) @ self.axes.T
        depth = np.maximum(local[:, 2], 1e-6)
        xy = np.stack([local[:, 0] / depth, -local[:, 1] / depth], axis=1) * self.focal + self.center
        return xy, local[:, 2]


def orientation(angle: Angle) -> tuple[np.ndarray, np.ndarray]:
    """Camera axes and the unit vector from the subject towards the camera, from yaw and pitch."""
    yaw, pitch = np.radians(angle.yaw_deg), np.radians(angle.pitch_deg)
    toward_camera = np.array([np.sin(yaw), 0.0, np.cos(yaw)])
    forward = -toward_camera * np.cos(pitch) + np.array([0.0, -np.sin(pitch), 0.0])
    right = np.cross(forward, [0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(right, forward)
    return np.stack([right, up, forward]), toward_camera


def frame_camera(angle: Angle, points: np.ndarray, width: int, height: int, margin: float = MARGIN) -> Camera:
    """A camera at the angle's yaw, pitch, distance and height that fits ``points`` (every frame's
    joints and props) inside the frame: zoom and lens shift, never a crop of the subject."""
    axes, toward_camera = orientation(angle)
    points = np.asarray(points, dtype=float).reshape(-1, 3)
    middle = (points.min(axis=0) + points.max(axis=0)) / 2
    position = np.array([middle[0], 0.0, middle[2]]) + toward_camera * angle.distance_m
    position[1] = angle.height_m
    unit = Camera(position, axes, 1.0, (0.0, 0.0), width, height)
    xy, _ = unit.project(points)
    low, high = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(high - low, 1e-6)
    focal = min(width * (1 - 2 * margin) / span[0], height * (1 - 2 * margin) / span[1])
    center = (width / 2 - focal * (low[0] + high[0]) / 2, height / 2 - focal * (low[1] + high[1]) / 2)
    return Camera(position, axes, float(focal), (float(center[0]), float(center[1])), width, height)

"""The joint-angle and metric names a catalog may use (no numpy here: the catalog checks import this)."""

from __future__ import annotations

BILATERAL = {
    "hip_flexion", "hip_abduction", "hip_rotation", "knee_flexion", "ankle_dorsiflexion", "heel_raise", "toe_out",
    "shoulder_elevation", "shoulder_flexion", "shoulder_abduction", "shoulder_rotation", "elbow_flexion",
    "wrist_extension",
}
AXIAL = {"pelvis_tilt", "lumbar_flexion", "thoracic_flexion", "neck_flexion", "body_swing"}
"""``body_swing`` pitches a hanging body about its grip (+: feet forward); the other rigs ignore it."""
ANGLE_LIMITS = {
    "hip_flexion": 140, "hip_abduction": 90, "hip_rotation": 90, "knee_flexion": 165, "ankle_dorsiflexion": 60,
    "heel_raise": 180, "toe_out": 90, "shoulder_elevation": 90, "shoulder_flexion": 180, "shoulder_abduction": 180,
    "shoulder_rotation": 120, "elbow_flexion": 165, "wrist_extension": 90, "pelvis_tilt": 90, "lumbar_flexion": 60,
    "thoracic_flexion": 60, "neck_flexion": 80, "body_swing": 90,
}
"""The largest angle, in degrees either way, a joint can reach: a pose or a change of pose beyond it is a typo
(``1220`` for ``122``), never a movement."""
JOINT_ANGLES = sorted(AXIAL | {f"{name}_{side}" for name in BILATERAL for side in "lr"})
"""Every angle the skeleton reads, one side each."""
POSE_KEYS = sorted(AXIAL | BILATERAL | set(JOINT_ANGLES))
METRIC_NAMES = (
    "knee-ankle-ratio", "knee-inside-ankle", "heel-height", "depth", "spine-flexion", "trunk-lean", "neck-flexion",
    "elbow-flare", "wrist-bend", "elbow-angle", "hip-angle", "ear-shoulder", "bar-drift", "hip-sag",
    "hip-height", "shin-angle", "stance-length", "range-fraction", "hip-lead", "swing", "rebound",
)
"""The metrics a signature may name (fitcontent/pose/metrics.py defines them), here so that loading a
catalog checks them without importing numpy."""
"""Every key a catalog pose may use; a bilateral name without ``_l``/``_r`` sets both sides."""

"""Single frames and contact sheets, for checking poses and for thumbnails."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from fitcontent.catalog.loader import Catalog
from fitcontent.catalog.models import Angle, FormError, Movement, Variation
from fitcontent.errors import RequestError, unknown_message
from fitcontent.pose.camera import Camera, frame_camera
from fitcontent.pose.control import render_control
from fitcontent.pose.motion import PoseTrack, pose_track
from fitcontent.pose.props import Prop, prop_points, props_for
from fitcontent.pose.render import PreviewRenderer, drawn_box

BEST_ANGLE = (40, 160, 80)
"""Frame colour of contact-sheet cells whose angle the catalog lists as showing the error best."""


@dataclass(frozen=True)
class ShotMotion:
    """A shot's pose track, its props per frame and its framed camera: everything a renderer needs."""

    track: PoseTrack
    props: list[list[Prop]]
    camera: Camera

    def frame_at(self, at: str | float) -> int:
        """The frame of the first keyframe of phase ``at``, or of ``at`` seconds."""
        if isinstance(at, int | float):
            return int(np.clip(round(at * self.track.fps), 0, self.track.frames - 1))
        return self.track.frame_of(at)

    def subject_box(self) -> tuple[int, int, int, int]:
        """Pixels (x0, y0, x1, y1) holding the body and props on every frame, as drawn."""
        return drawn_box(self.camera, self.track.joints, self.props)

    def render(self, frame: int, kind: str = "preview") -> np.ndarray:
        if kind == "control":
            return render_control(self.camera, self.track.joints[frame])
        return PreviewRenderer(self.camera, self.track.highlight).render(
            self.track.joints[frame], self.props[frame], float(self.track.error_shown[frame]))


def shot_motion(movement: Movement, variation: Variation, error: FormError | None, angle: Angle,
                width: int, height: int, frames: int, fps: int, track: PoseTrack | None = None) -> ShotMotion:
    """The shot's track (``track`` when already computed for these ids), props and framed camera."""
    track = track or pose_track(movement, variation, error, frames, fps)
    props = props_for(track, set(movement.equipment) | set(variation.equipment), variation.load_at)
    return _framed(track, props, angle, width, height)


def reframed(motion: ShotMotion, angle: Angle, width: int, height: int) -> ShotMotion:
    """The same motion and props seen from ``angle``."""
    return _framed(motion.track, motion.props, angle, width, height)


def _framed(track: PoseTrack, props: list[list[Prop]], angle: Angle, width: int, height: int) -> ShotMotion:
    """A camera at ``angle`` framed on every frame's body and props."""
    points = np.concatenate([track.joints.reshape(-1, 3), prop_points(props)])
    return ShotMotion(track, props, frame_camera(angle, points, width, height))


def pick(items, wanted: str | None, kind: str, owner: str):
    """The item with id ``wanted`` (the first when None), or a RequestError that suggests ids."""
    if wanted is None:
        return items[0]
    for item in items:
        if item.id == wanted:
            return item
    raise RequestError(unknown_message(f"{owner} {kind}", wanted, [i.id for i in items]))


def motion_for(catalog: Catalog, exercise: str, variation: str | None, form: str | None, angle: str | None,
               width: int, height: int, frames: int, fps: int) -> ShotMotion:
    """A shot's motion from ids (None: the first variation, correct form, the first angle)."""
    movement = catalog.movement(exercise)
    error = None if form in (None, "correct") else pick(movement.errors, form, "error", movement.id)
    return shot_motion(movement, pick(movement.variations, variation, "variation", movement.id), error,
                       pick(catalog.angle_list, angle, "angle", ""), width, height, frames, fps)


def still(catalog: Catalog, movement_id: str, variation: str | None = None, error: str | None = None,
          angle: str | None = None, at: str | float | None = None, size: tuple[int, int] = (720, 480),
          kind: str = "preview") -> Image.Image:
    """One frame of a shot: by default the first variation, correct form, first angle, key phase."""
    defaults = catalog.settings.defaults
    motion = motion_for(catalog, movement_id, variation, error, angle, *size, defaults.frames, defaults.fps)
    return Image.fromarray(motion.render(motion.frame_at(at or catalog.movement(movement_id).key_phase), kind))


def contact_sheet(catalog: Catalog, movement_id: str, variation: str | None = None,
                  cell: tuple[int, int] = (320, 240)) -> Image.Image:
    """Rows: correct form and each error; columns: every angle; at the key phase, or for an error
    that does not show there, at the first phase where it does.

    Cells framed in green are the angles the catalog says show that error best.
    """
    movement = catalog.movement(movement_id)
    chosen = pick(movement.variations, variation, "variation", movement.id)
    label_w, label_h = 170, 28
    width, height = cell
    sheet = Image.new("RGB", (label_w + width * len(catalog.angle_list),
                              label_h + height * (1 + len(movement.errors))), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=15)
    for col, angle in enumerate(catalog.angle_list):
        draw.text((label_w + col * width + 8, 6), angle.name.en, fill=(0, 0, 0), font=font)
    for row, error in enumerate([None, *movement.errors]):
        y = label_h + row * height
        label = textwrap.fill(error.name.en if error else "Correct", width=18)  # long names wrap, never cut
        draw.multiline_text((8, y + height // 2 - 8 * (1 + label.count("\n"))), label, fill=(0, 0, 0), font=font)
        for col, angle in enumerate(catalog.angle_list):
            motion = shot_motion(movement, chosen, error, angle, width, height, 49, 8)
            x = label_w + col * width
            sheet.paste(Image.fromarray(motion.render(motion.frame_at(_phase_of(movement, error)))), (x, y))
            if error and angle.id in error.angles:
                draw.rectangle((x, y, x + width - 1, y + height - 1), outline=BEST_ANGLE, width=4)
    return sheet


def _phase_of(movement: Movement, error: FormError | None) -> str:
    if error is None or movement.key_phase in error.phases or not error.phases:
        return movement.key_phase
    return error.phases[0]


def overview_sheet(catalog: Catalog, cell: tuple[int, int] = (300, 220)) -> Image.Image:
    """Every movement (rows): its correct form, then each error from the first angle it lists, at
    the moment it shows most (its phase, or the peak of a motion fault); names over every cell."""
    movements = list(catalog.movements.values())
    columns = 1 + max(len(m.errors) for m in movements)
    label_w, caption_h = 150, 40
    width, height = cell
    sheet = Image.new("RGB", (label_w + width * columns, (height + caption_h) * len(movements)), (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=15)
    for row, movement in enumerate(movements):
        y = row * (height + caption_h)
        draw.text((8, y + caption_h + height // 2 - 8), movement.name.en, fill=(0, 0, 0), font=font)
        variation = movement.default_variation
        for col, error in enumerate([None, *movement.errors]):
            angle = catalog.angles[error.angles[0]] if error else catalog.angle_list[0]
            motion = shot_motion(movement, variation, error, angle, width, height, 49, 8)
            frame = motion.frame_at(_phase_of(movement, error))
            if error is not None and error.motion:  # a motion fault: where it shows most
                frame = int(np.argmax(motion.track.error_shown))
            x = label_w + col * width
            title = f"{error.name.en} ({angle.name.en})" if error else f"Correct ({angle.name.en})"
            draw.multiline_text((x + 6, y + 2), textwrap.fill(title, width=34), fill=(0, 0, 0), font=font)
            sheet.paste(Image.fromarray(motion.render(frame)), (x, y + caption_h))
    return sheet

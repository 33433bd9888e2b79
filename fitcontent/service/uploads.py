"""Photos uploaded for image-to-video: checked for type, size and decompression bombs before anything uses
them, then kept under their content hash."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from fitcontent.errors import RequestError
from fitcontent.store import atomic_write_bytes

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
"""About 8000 x 5000: a photo, not a bomb (Pillow itself warns at 89 million and refuses at twice that)."""
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def check_photo(data: bytes) -> tuple[str, int, int]:
    """(format, width, height) of an acceptable photo; a RequestError saying why one is refused."""
    if len(data) > MAX_BYTES:
        raise RequestError(f"the photo is over {MAX_BYTES // 2**20} MiB")
    try:
        with Image.open(io.BytesIO(data)) as image:  # the header only: nothing is decoded yet
            kind, (width, height) = image.format, image.size
            if kind not in FORMATS:
                raise RequestError(f"a photo must be JPEG, PNG or WebP (this is {kind or 'unknown'})")
            if width * height > MAX_PIXELS:
                raise RequestError(f"the photo is {width}x{height}: over {MAX_PIXELS:,} pixels, refused as a "
                                   f"possible decompression bomb")
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # the whole decode, under Pillow's own bomb limit
    except RequestError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise RequestError(f"not a readable photo: {exc}") from None
    return kind, width, height


def save_photo(folder: Path, data: bytes) -> dict[str, object]:
    """Check ``data`` and keep it in ``folder`` under its hash; what the API returns about it."""
    kind, width, height = check_photo(data)
    digest = hashlib.sha256(data).hexdigest()[:32]
    path = folder / f"{digest}.{FORMATS[kind]}"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
    return {"id": digest, "format": kind, "width": width, "height": height}


def photo_path(folder: Path, upload_id: str) -> Path | None:
    """The kept photo of ``upload_id`` (None if there is none: ids are hex, so nothing else can match)."""
    if not upload_id.isalnum():
        return None
    return next((p for p in folder.glob(f"{upload_id}.*") if p.suffix[1:] in FORMATS.values()), None)

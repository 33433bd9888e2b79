"""Photos for image-to-video: type, size and decompression bombs are refused before anything decodes them."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from fitcontent.errors import RequestError
from fitcontent.service.uploads import MAX_BYTES, check_photo
from tests.service.conftest import JOB, Server


def _encoded(image: Image.Image, kind: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind)
    return buffer.getvalue()


def _photo() -> bytes:
    return _encoded(Image.new("RGB", (720, 480), (180, 140, 100)), "JPEG")


def _bomb() -> bytes:
    """50 million pixels in about 60 KB: a one-bit PNG of one colour."""
    return _encoded(Image.new("1", (10_000, 5_000)), "PNG")


def test_a_photo_passes_and_what_is_not_one_is_refused_with_the_reason() -> None:
    assert check_photo(_photo()) == ("JPEG", 720, 480)
    assert check_photo(_encoded(Image.new("RGB", (64, 48)), "WEBP"))[0] == "WEBP"
    refusals = {
        "must be JPEG, PNG or WebP (this is GIF)": _encoded(Image.new("P", (64, 48)), "GIF"),
        "not a readable photo": b"<html>not a photo</html>",
        "possible decompression bomb": _bomb(),
        "over 10 MiB": b"\xff" * (MAX_BYTES + 1),
    }
    truncated = _photo()[:2000]
    for reason, data in refusals.items():
        with pytest.raises(RequestError, match=re.escape(reason)):
            check_photo(data)
    with pytest.raises(RequestError, match="not a readable photo"):
        check_photo(truncated)


def test_uploads_through_the_api(server: Server) -> None:
    with server.client() as client:
        photo = client.post("/api/uploads", files={"file": ("front.jpg", _photo(), "image/jpeg")})
        assert photo.status_code == 201, photo.text
        assert photo.json()["width"] == 720 and len(photo.json()["id"]) == 32
        again = client.post("/api/uploads", files={"file": ("same.jpg", _photo(), "image/jpeg")})
        assert again.json()["id"] == photo.json()["id"], "kept once, under its content hash"
        job = client.post("/api/jobs", json={"request": JOB, "image": photo.json()["id"]})
        assert job.status_code == 201 and job.json()["image"] == photo.json()["id"]

        bomb = client.post("/api/uploads", files={"file": ("bomb.png", _bomb(), "image/png")})
        assert bomb.status_code == 422 and "decompression bomb" in bomb.json()["detail"]
        huge = client.post("/api/uploads", files={"file": ("huge.jpg", b"\xff" * (MAX_BYTES + 100_000), "image/jpeg")})
        assert huge.status_code == 413
        unknown = client.post("/api/jobs", json={"request": JOB, "image": "0" * 32})
        assert unknown.status_code == 422 and "no upload" in unknown.json()["detail"]
        sneaky = client.post("/api/jobs", json={"request": JOB, "image": "../jobs"})
        assert sneaky.status_code == 422
        assert client.post("/api/uploads", files={"file": ("x.jpg", _photo(), "image/jpeg")},
                           headers={"Authorization": "Bearer wrong"}).status_code == 401

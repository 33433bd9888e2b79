"""Photos for image-to-video: type, size and decompression bombs are refused before anything decodes them."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator

import pytest
from PIL import Image

from fitcontent.errors import RequestError
from fitcontent.service.uploads import MAX_BYTES, check_photo
from tests.service.conftest import JOB, Server, wait_for


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
        job = client.post("/api/jobs", json={"request": JOB, "render": True, "image": photo.json()["id"]})
        assert job.status_code == 422 and "does not start from a photo" in job.json()["detail"], \
            "this server's model is text-to-video"

        bomb = client.post("/api/uploads", files={"file": ("bomb.png", _bomb(), "image/png")})
        assert bomb.status_code == 422 and "decompression bomb" in bomb.json()["detail"]
        huge = client.post("/api/uploads", files={"file": ("huge.jpg", b"\xff" * (MAX_BYTES + 100_000), "image/jpeg")})
        assert huge.status_code == 413
        assert client.post("/api/uploads", files={"file": ("x.jpg", _photo(), "image/jpeg")},
                           headers={"Authorization": "Bearer wrong"}).status_code == 401


@pytest.fixture(scope="module")
def i2v_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose video model starts from a photo: a tiny CogVideoX-5B-I2V."""
    pytest.importorskip("diffusers")
    from fitcontent.api import prompt_corpus
    from fitcontent.generation.models import FAMILIES
    from fitcontent.generation.tiny import make_tiny

    model = make_tiny(FAMILIES["cogvideox-5b-i2v"], tmp_path_factory.mktemp("tiny") / "i2v", prompt_corpus())
    running = Server(tmp_path_factory.mktemp("studio-i2v"), "--model", str(model), "--steps", "2").start()
    yield running
    running.stop()


def test_an_image_to_video_job_starts_from_its_uploaded_photo(i2v_server: Server) -> None:
    with i2v_server.client() as client:
        without = client.post("/api/jobs", json={"request": JOB, "render": True})
        assert without.status_code == 422 and "upload one" in without.json()["detail"]
        unknown = client.post("/api/jobs", json={"request": JOB, "render": True, "image": "0" * 32})
        assert unknown.status_code == 422 and "no upload" in unknown.json()["detail"]
        photo = client.post("/api/uploads", files={"file": ("front.jpg", _photo(), "image/jpeg")}).json()
        job = client.post("/api/jobs", json={"request": JOB, "render": True, "image": photo["id"]})
        assert job.status_code == 201, job.text
        wait_for(client, job.json()["id"], ("awaiting_approval",))
        client.post(f"/api/jobs/{job.json()['id']}/approve", json={})
        done = wait_for(client, job.json()["id"], ("done", "failed"))
        assert done["state"] == "done", done["error"]
        clip = next(a for a in client.get(f"/api/jobs/{done['id']}/artifacts").json()["render"] if a["kind"] == "clip")
        assert clip["generation"]["family"] == "cogvideox-5b-i2v"
        assert f"+{hashlib.sha256(_photo()).hexdigest()[:16]}+" in clip["backend_version"], "keyed by the photo"

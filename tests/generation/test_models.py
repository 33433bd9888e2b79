"""Model-family rules: legal frames and sizes, the errors that name them, and fitting images."""

from __future__ import annotations

import pytest
from PIL import Image

from fitcontent.errors import RequestError
from fitcontent.generation.models import FAMILIES, check_spec, family, fit_image, frames_for, legal_size


def test_every_family_knows_its_pipeline_dtype_and_geometry() -> None:
    assert FAMILIES["cogvideox-2b"].dtype == "float16"
    assert {f.dtype for n, f in FAMILIES.items() if n != "cogvideox-2b"} == {"bfloat16"}
    assert FAMILIES["cogvideox1.5-5b"].legal_frames[:3] == [17, 33, 49]
    assert FAMILIES["cogvideox1.5-5b"].legal_frames[-1] == 161
    assert FAMILIES["cogvideox-5b"].legal_frames == [9, 17, 25, 33, 41, 49]
    assert FAMILIES["cogvideox-fun-v1.1-5b-pose"].pipeline == "CogVideoXFunControlPipeline"
    assert FAMILIES["cogvideox1.5-5b-i2v"].pipeline == "CogVideoXImageToVideoPipeline"


def test_unknown_family_suggests_the_closest() -> None:
    with pytest.raises(RequestError, match="unknown model family 'cogvideox-5'; did you mean 'cogvideox-5b'"):
        family("cogvideox-5")


@pytest.mark.parametrize(("name", "seconds", "frames"), [
    ("cogvideox1.5-5b", 5.0, 81), ("cogvideox1.5-5b", 10.0, 161), ("cogvideox1.5-5b", 60.0, 161),
    ("cogvideox-5b", 6.0, 49), ("cogvideox-5b", 2.0, 17), ("cogvideox-5b", 0.1, 9),
])
def test_duration_maps_to_the_nearest_legal_frame_count(name: str, seconds: float, frames: int) -> None:
    assert frames_for(FAMILIES[name], seconds) == frames


def test_illegal_frames_name_the_rule_and_the_nearest_legal_value() -> None:
    with pytest.raises(RequestError) as caught:
        check_spec(FAMILIES["cogvideox1.5-5b"], 1360, 768, 80, 16, 100)
    assert str(caught.value) == ("cogvideox1.5-5b needs 16N+1 frames (17, 33, 49, ... 161); 80 frames -> "
                                 "use --frames 81")


@pytest.mark.parametrize(("name", "size", "message"), [
    ("cogvideox-5b", (1360, 768), "cogvideox-5b needs 720x480 only; 1360x768 -> use --size 720x480"),
    ("cogvideox1.5-5b-i2v", (1024, 576), "needs a shorter side of at least 768"),
    ("cogvideox-fun-v1.1-5b-pose", (1280, 720), "needs sides from 256 to 1024, multiples of 16; 1280x720 -> "
                                                "use --size 1024x576"),
])
def test_illegal_sizes_name_the_rule_and_a_legal_size(name: str, size: tuple[int, int], message: str) -> None:
    fam = FAMILIES[name]
    with pytest.raises(RequestError, match=message.replace("(", r"\(")):
        check_spec(fam, *size, fam.legal_frames[-1], fam.fps, 100)


def test_wrong_fps_and_long_prompts_are_refused() -> None:
    fam = FAMILIES["cogvideox-5b"]
    with pytest.raises(RequestError, match="makes 8 fps video; got --fps 16 -> use --fps 8"):
        check_spec(fam, 720, 480, 49, 16, 100)
    with pytest.raises(RequestError, match="at most 226 prompt tokens"):
        check_spec(fam, 720, 480, 49, 8, 300)
    check_spec(fam, 720, 480, 49, 8, 226)  # legal: no error


@pytest.mark.parametrize(("size", "legal"), [((4000, 3000), (1360, 1024)), ((1080, 1920), (768, 1360)),
                                             ((3000, 1000), (1360, 768))])
def test_i2v_15_sizes_keep_the_photo_shape_within_the_rules(size, legal) -> None:
    fam = FAMILIES["cogvideox1.5-5b-i2v"]
    assert legal_size(fam, *size) == legal
    check_spec(fam, *legal, 81, 16, 100)


def test_fit_image_covers_and_centre_crops_without_stretching() -> None:
    image = Image.new("RGB", (1000, 1000), "blue")
    image.paste((255, 0, 0), (0, 0, 1000, 100))  # a red band at the top: cropped away for a 3:2 target
    fitted = fit_image(image, FAMILIES["cogvideox-5b-i2v"])
    assert fitted.size == (720, 480)
    assert fitted.getpixel((360, 2)) == (0, 0, 255)
    assert fitted.getpixel((360, 240)) == (0, 0, 255)

"""`fitcontent build` as a user runs it: clips, pose tracks and manifest in dist/, the store, kills, dry runs.

Every run points FITCONTENT_CACHE at a temporary store, and XDG_CACHE_HOME at a second temporary
directory that must stay absent, so no test ever reads or writes the user's ~/.cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest

from fitcontent.generation.preview import PreviewBackend
from fitcontent.media import VideoInfo, probe
from fitcontent.paths import packaged
from fitcontent.store import Store, cache_key, owner_tag

SMALL = ("--size", "160x128", "--frames", "9", "--fps", "8")
SUMMARY = re.compile(r"Built (\d+) clips? \((\d+) cached\)(?:, (\d+) failed)? in \d+\.\d s"
                     r"(?:; \d+\.\d worker-seconds a clip, \d+ clips an hour)?")
FROM_PLAN = ("exercise", "variation", "angle", "form", "width", "height", "frames", "fps", "seed", "prompt")
ROW = re.compile(r"(\S+)\s+(\d+x\d+)\s+(\d+)\s+(cached|to build)")


class Env(SimpleNamespace):
    root: Path
    cache: Path
    dist: Path
    xdg: Path


def make_env(root: Path) -> Env:
    return Env(root=root, cache=root / "cache", dist=root / "dist", xdg=root / "xdg-cache")


def _environ(env: Env) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FITCONTENT_")}
    environ |= {"FITCONTENT_CACHE": str(env.cache), "XDG_CACHE_HOME": str(env.xdg)}
    return environ


def _exe() -> str:
    return str(Path(sys.executable).with_name("fitcontent"))


def run(env: Env, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The installed console script with the test's store, in the test's directory."""
    result = subprocess.run([_exe(), *args], capture_output=True, text=True, cwd=env.root, env=_environ(env),
                            timeout=timeout)
    assert not env.xdg.exists(), "a build used the default cache instead of FITCONTENT_CACHE"
    return result


def build(env: Env, *args: str) -> subprocess.CompletedProcess[str]:
    return run(env, "build", *args, "--layouts", "none", "--out", str(env.dist))  # clips; renders: tests/post


def summary(result: subprocess.CompletedProcess[str]) -> tuple[int, int, int]:
    """(clips, cached, failed) of the build's summary line, which must be the last line of stdout."""
    assert result.returncode in (0, 1), result.stderr
    match = SUMMARY.fullmatch(result.stdout.splitlines()[-1])
    assert match, result.stdout
    return int(match[1]), int(match[2]), int(match[3] or 0)


def plan_ids(env: Env, *args: str) -> list[str]:
    result = run(env, "plan", *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return [shot["id"] for shot in json.loads(result.stdout)["shots"]]


def dry_run(env: Env, *args: str) -> tuple[dict[str, str], str]:
    """({shot id: "cached" or "to build"}, summary line) of ``build --dry-run``."""
    result = build(env, *args, "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["shot", "size", "frames", "status"]
    rows = [ROW.fullmatch(line.rstrip()) for line in lines[1:-1]]
    assert all(rows), result.stdout
    return {row[1]: row[4] for row in rows}, lines[-1]


def manifest(dist: Path) -> list[dict]:
    return json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["artifacts"]


def pose_of(entry: dict) -> str:
    """Where a clip's pose track lies beside it: ``squat/bodyweight-front-correct.pose.json``."""
    return entry["path"].removesuffix(".mp4") + ".pose.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(directory: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and folder under ``directory``: (inode, mtime ns, size)."""
    return {p.relative_to(directory).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
            for p in [directory, *directory.rglob("*")]}


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob(".tmp-*"))


# --- acceptance: the whole squat at the default size, built once for the module --------------------------------


@pytest.fixture(scope="module")
def squat_all(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    env = make_env(tmp_path_factory.mktemp("squat-all"))
    planned = run(env, "plan", "squat", "--angles", "all", "--format", "json")
    assert planned.returncode == 0, planned.stderr
    first = build(env, "squat", "--angles", "all")
    files = snapshot(env.dist) if env.dist.is_dir() else {}
    return SimpleNamespace(env=env, shots=json.loads(planned.stdout)["shots"], first=first, files=files)


@pytest.fixture(scope="module")
def squat_all_again(squat_all: SimpleNamespace) -> SimpleNamespace:
    before = snapshot(squat_all.env.dist)
    again = build(squat_all.env, "squat", "--angles", "all")
    return SimpleNamespace(before=before, again=again, after=snapshot(squat_all.env.dist))


def test_build_makes_every_planned_clip_with_pose_track_and_manifest(squat_all: SimpleNamespace) -> None:
    env, shots = squat_all.env, squat_all.shots
    assert squat_all.first.returncode == 0, squat_all.first.stderr
    assert len(shots) == 14  # 5 correct + 9 errors from the angles each lists (valgus: front, front-45)
    assert summary(squat_all.first) == (14, 0, 0)

    document = json.loads((env.dist / "manifest.json").read_text(encoding="utf-8"))
    assert document["generator"].startswith("fitcontent ")
    entries = {e["id"]: e for e in document["artifacts"]}
    assert len(document["artifacts"]) == len(entries) == len(shots)
    assert set(entries) == {s["id"] for s in shots}
    assert [e["path"] for e in document["artifacts"]] == sorted(e["path"] for e in document["artifacts"])

    required = {"id", "exercise", "variation", "angle", "form", "kind", "path", "width", "height", "frames", "fps",
                "duration", "backend", "model", "seed", "prompt", "cache_key", "sha256"}
    store = Store(env.cache)
    expected_files = {"manifest.json", ".lock"}
    for shot in shots:
        entry = entries[shot["id"]]
        assert required <= set(entry), required - set(entry)
        assert {k: entry[k] for k in FROM_PLAN} == {k: shot[k] for k in FROM_PLAN}
        assert (entry["width"], entry["height"], entry["frames"], entry["fps"]) == (720, 480, 49, 8)
        assert entry["kind"] == "clip"
        assert entry["path"] == f"squat/{shot['variation']}-{shot['angle']}-{shot['form']}.mp4"
        assert entry["duration"] == pytest.approx(49 / 8)
        assert (entry["backend"], entry["model"]) == ("preview", None)
        assert entry["cache_key"] == cache_key(shot, "preview", PreviewBackend.version)
        clip = env.dist / entry["path"]
        assert sha256(clip) == entry["sha256"]
        stored = store.get(entry["cache_key"])
        assert stored is not None and stored.sha256 == entry["sha256"]
        assert entry.get("pose", pose_of(entry)) == pose_of(entry)
        expected_files |= {entry["path"], pose_of(entry)}

    on_disk = {p.relative_to(env.dist).as_posix() for p in env.dist.rglob("*") if p.is_file()}
    assert on_disk == expected_files  # nothing else: no temp file, no stray output

    with ThreadPoolExecutor(4) as pool:
        infos = dict(zip(entries, pool.map(probe, [env.dist / e["path"] for e in entries.values()]), strict=True))
    for shot_id, info in infos.items():
        assert info == VideoInfo(720, 480, 8.0, 49, "h264", "yuv420p"), shot_id

    for entry in entries.values():
        pose = json.loads((env.dist / pose_of(entry)).read_text())
        assert (pose["frames"], pose["fps"], pose["width"], pose["height"]) == (49, 8, 720, 480)
        assert len(pose["body18"]) == 18
        assert len(pose["keypoints_3d"]) == 49
        assert all(len(frame) == len(pose["joints"]) and all(len(p) == 3 for p in frame)
                   for frame in pose["keypoints_3d"])
        assert len(pose["keypoints_2d"]) == 49
        assert all(len(frame) == 18 and all(len(p) == 2 for p in frame) for frame in pose["keypoints_2d"])


def test_second_identical_build_is_all_cached_and_writes_nothing(squat_all: SimpleNamespace,
                                                                  squat_all_again: SimpleNamespace) -> None:
    again = squat_all_again.again
    assert again.returncode == 0, again.stderr
    assert summary(again) == (len(squat_all.shots), len(squat_all.shots), 0)
    assert again.stderr.count(": cached\n") == len(squat_all.shots)
    assert ": built" not in again.stderr
    assert squat_all_again.after == squat_all_again.before  # same inodes, mtimes and sizes, folders included
    assert squat_all_again.before == squat_all.files


# --- kill and resume ---------------------------------------------------------------------------------------------


def test_killed_build_resumes_reusing_finished_clips(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    args = ("squat", "--angles", "all", "--size", "160x128", "--frames", "17")
    total = len(plan_ids(env, *args))
    out, err = (tmp_path / "killed.out").open("w"), (tmp_path / "killed.err").open("w")
    with out, err:
        child = subprocess.Popen([_exe(), "build", *args, "--layouts", "none", "--out", str(env.dist)], cwd=tmp_path,
                                 env=_environ(env), stdout=out, stderr=err, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while child.poll() is None and time.monotonic() < deadline:
                if len(list((env.dist / "squat").glob("*.mp4"))) >= 2:
                    break
                time.sleep(0.002)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)  # the build and its ffmpeg encoder
            child.wait(10)
    assert child.returncode == -signal.SIGKILL, f"not killed mid-build: {(tmp_path / 'killed.err').read_text()}"
    assert "Built" not in (tmp_path / "killed.out").read_text()
    finished = sorted(p.name for p in (env.dist / "squat").glob("*.mp4"))  # final names: published, so complete
    assert 2 <= len(finished) < total
    # a kill between a temp file's write and its rename leaves debris like this (the kill above may or may not have):
    # the resume removes it at once, as its writer no longer runs
    killed = owner_tag(child.pid)
    debris = [env.dist / "squat" / f".tmp-{finished[0]}-{killed}-0123456789ab",
              env.dist / f".tmp-manifest.json-{killed}-ba9876543210"]
    for path in debris:
        path.write_bytes(b"half")

    resumed = build(env, *args)
    assert resumed.returncode == 0, resumed.stderr
    clips, cached, failed = summary(resumed)
    assert (clips, failed) == (total, 0)
    assert cached >= len(finished)
    assert temp_files(env.dist) == []
    entries = manifest(env.dist)
    assert len(entries) == total
    for entry in entries:
        assert sha256(env.dist / entry["path"]) == entry["sha256"], entry["id"]
        assert (env.dist / pose_of(entry)).is_file()
    assert {p.name for p in (env.dist / "squat").glob("*.mp4")} >= set(finished)


# --- the store ---------------------------------------------------------------------------------------------------


def test_corrupted_store_object_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    args = ("squat", "--angles", "front", "--errors", "none", *SMALL)
    assert summary(build(env, *args)) == (1, 0, 0)
    [entry] = manifest(env.dist)
    clip = env.dist / entry["path"]
    good = clip.read_bytes()
    key = entry["cache_key"]
    obj = env.cache / "objects" / key[:2] / f"{key}.mp4"
    assert obj.is_file()
    with open(obj, "r+b") as f:  # damage in place (a hard-linked dist file is damaged with it)
        f.seek(len(good) // 2)
        byte = f.read(1)
        f.seek(len(good) // 2)
        f.write(bytes([byte[0] ^ 0xFF]))

    again = build(env, *args)
    assert again.returncode == 0, again.stderr
    assert f"WARNING: store: entry {key} is broken" in again.stderr
    assert summary(again) == (1, 0, 0)
    assert clip.read_bytes() == good
    [rebuilt] = manifest(env.dist)
    assert rebuilt["sha256"] == entry["sha256"] == hashlib.sha256(good).hexdigest()
    stored = Store(env.cache).get(key)
    assert stored is not None and stored.path.read_bytes() == good


def test_no_cache_remakes_every_clip_with_identical_bytes(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    args = ("squat", "--angles", "front", *SMALL)
    assert summary(build(env, *args)) == (2, 0, 0)
    before = {e["id"]: e for e in manifest(env.dist)}
    clips = {i: (env.dist / e["path"]).read_bytes() for i, e in before.items()}
    objects = {i: env.cache / "objects" / e["cache_key"][:2] / f"{e['cache_key']}.mp4" for i, e in before.items()}
    inodes = {i: p.stat().st_ino for i, p in objects.items()}

    again = build(env, *args, "--no-cache")
    assert again.returncode == 0, again.stderr
    assert summary(again) == (2, 0, 0)
    assert sorted(re.findall(r"\] (\S+): built", again.stderr)) == sorted(before)
    for shot_id, entry in before.items():
        assert objects[shot_id].stat().st_ino != inodes[shot_id], f"{shot_id} was not remade"
        assert objects[shot_id].read_bytes() == clips[shot_id]  # rendering is deterministic
        assert (env.dist / entry["path"]).read_bytes() == clips[shot_id]
    assert {e["id"]: e for e in manifest(env.dist)} == before


# --- dry run, draft, catalog edits -------------------------------------------------------------------------------


def test_dry_run_shows_what_is_cached_and_builds_nothing(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    args = ("squat", "--angles", "front,side", *SMALL)
    ids = plan_ids(env, *args)
    assert len(ids) == 6

    statuses, line = dry_run(env, *args)
    assert list(statuses) == ids
    assert set(statuses.values()) == {"to build"}
    assert line == "6 clips: 0 cached, 6 to build"
    assert not env.dist.exists()

    assert summary(build(env, *args, "--errors", "none")) == (2, 0, 0)
    files = snapshot(env.dist)
    statuses, line = dry_run(env, *args)
    assert statuses == {i: "cached" if i.endswith(".correct") else "to build" for i in ids}
    assert line == "6 clips: 2 cached, 4 to build"
    assert snapshot(env.dist) == files

    assert summary(build(env, *args)) == (6, 2, 0)
    statuses, line = dry_run(env, *args)
    assert statuses == dict.fromkeys(ids, "cached")
    assert line == "6 clips: 6 cached, 0 to build"


def test_draft_builds_at_half_size_in_multiples_of_16(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    args = ("squat", "--angles", "front", "--errors", "none", "--frames", "9", "--draft")
    rows, _ = dry_run(env, *args)
    result = build(env, "-q", *args)
    assert result.returncode == 0, result.stderr
    [entry] = manifest(env.dist)
    assert (entry["width"], entry["height"], entry["frames"], entry["fps"]) == (352, 240, 9, 8)
    assert probe(env.dist / entry["path"]) == VideoInfo(352, 240, 8.0, 9, "h264", "yuv420p")
    pose = json.loads((env.dist / pose_of(entry)).read_text())
    assert (pose["width"], pose["height"]) == (352, 240)
    assert rows == {entry["id"]: "to build"}
    assert build(env, *args, "--dry-run").stdout.splitlines()[1].split()[1:] == ["352x240", "9", "cached"]


@pytest.fixture(scope="module")
def catalog_built(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """squat and push-up from the front, built from an unedited copy of the catalog."""
    env = make_env(tmp_path_factory.mktemp("catalog-edits"))
    shutil.copytree(packaged("catalog"), env.root / "original")
    args = ("squat", "push-up", "--angles", "front", *SMALL)
    result = build(env, "--catalog", str(env.root / "original"), *args)
    assert result.returncode == 0, result.stderr
    assert summary(result)[1:] == (0, 0)
    ids = plan_ids(env, "--catalog", str(env.root / "original"), *args)
    assert sorted(ids) == sorted(e["id"] for e in manifest(env.dist))
    return SimpleNamespace(env=env, args=args, ids=ids)


def _edited_catalog(env: Env, name: str, old: str, new: str) -> Path:
    directory = env.root / name
    shutil.copytree(env.root / "original", directory)
    squat = directory / "squat.yaml"
    text = squat.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the catalog changed: {old!r} is not in squat.yaml once"
    squat.write_text(text.replace(old, new), encoding="utf-8")
    return directory


@pytest.mark.parametrize(("old", "new", "affected"), [
    # the bottom keyframe: every squat shot moves differently
    ("knee_flexion: 122,", "knee_flexion: 110,", lambda shot_id: shot_id.startswith("squat.")),
    # one error's pose modifier: only that error's shots
    ("pose_modifier: {hip_rotation: -30, hip_abduction: -20}", "pose_modifier: {hip_rotation: -36, hip_abduction: -20}",
     lambda shot_id: shot_id.startswith("squat.") and shot_id.endswith(".knee-valgus")),
], ids=["keyframe", "error-modifier"])
def test_editing_a_pose_invalidates_exactly_the_shots_it_moves(catalog_built: SimpleNamespace, old: str, new: str,
                                                               affected) -> None:
    env, ids = catalog_built.env, catalog_built.ids
    assert {i.split(".")[0] for i in ids} == {"squat", "push-up"}
    unchanged, _ = dry_run(env, "--catalog", str(env.root / "original"), *catalog_built.args)
    assert unchanged == dict.fromkeys(ids, "cached")

    edited = _edited_catalog(env, "edited-" + hashlib.sha256(new.encode()).hexdigest()[:8], old, new)
    statuses, _ = dry_run(env, "--catalog", str(edited), *catalog_built.args)
    assert list(statuses) == ids
    assert statuses == {i: "to build" if affected(i) else "cached" for i in ids}
    assert "to build" in statuses.values() and "cached" in statuses.values()


# --- errors ------------------------------------------------------------------------------------------------------


def test_unknown_backend_is_one_line_exit_1_and_writes_nothing(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    result = build(env, "squat", "--backend", "cogvidex")
    assert result.returncode == 1
    assert result.stderr == "error: unknown backend 'cogvidex'; did you mean 'cogvideox'? (known: cogvideox, preview)\n"
    assert result.stdout == ""
    assert not env.dist.exists() and not env.cache.exists()


def test_unknown_exercise_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    result = build(env, "sqat", *SMALL)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("error: unknown exercise 'sqat'; did you mean 'squat'?")
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert not env.dist.exists() and not env.cache.exists()


def test_out_that_is_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    env = make_env(tmp_path)
    env.dist.write_text("not a folder")
    result = build(env, "squat", "--angles", "front", "--errors", "none", *SMALL)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: ")
    assert env.dist.read_text() == "not a folder"

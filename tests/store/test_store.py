"""The content-addressed store: stable keys, verified reads, and no half-made entry after a crash."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

import fitcontent.store as store_module
from fitcontent.store import (
    Store,
    StoreError,
    atomic_write_bytes,
    atomic_write_text,
    cache_key,
    file_sha256,
    publish,
    write_atomically,
)
from tests.conftest import REPO

SPEC = {"id": "squat.bodyweight.front.correct", "prompt": "A woman squats, 深蹲", "frames": 49, "fps": 8,
        "size": {"width": 720, "height": 480}, "seed": 0}
KEY = cache_key(SPEC, "preview", "1")
CLIP = b"\x00fake mp4 bytes\xff" * 100
META = {"frames": 49, "width": 720, "height": 480}
CHILD = Path(__file__).with_name("store_child.py")


def write_clip(data: bytes = CLIP) -> Callable[[Path], None]:
    return lambda tmp: tmp.write_bytes(data)


def files_of(root: Path, key: str = KEY) -> list[str]:
    """Every file, temp files included, that mentions ``key`` under the store root."""
    return sorted(p.name for p in root.rglob("*") if key in p.name)


def test_key_is_sha256_of_canonical_json_and_ignores_dict_order() -> None:
    reordered = {k: SPEC[k] for k in reversed(SPEC)} | {"size": {"height": 480, "width": 720}}
    canonical = json.dumps({"backend": "preview", "spec": SPEC, "version": "1"}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    assert "深蹲" in canonical
    assert cache_key(reordered, "preview", "1") == KEY == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("change", [
    *[{"spec": {**SPEC, field: "other"}} for field in SPEC],
    {"spec": {**SPEC, "size": {"width": 720, "height": 481}}},
    {"spec": {**SPEC, "extra": None}},
    {"backend": "cogvideox"},
    {"version": "2"},
])
def test_key_changes_with_every_input(change: dict) -> None:
    args = {"spec": SPEC, "backend": "preview", "version": "1"} | change
    assert cache_key(**args) != KEY


def test_key_rejects_what_json_cannot_say() -> None:
    with pytest.raises(TypeError, match="not JSON-able"):
        cache_key({"path": Path("x")}, "preview", "1")


def test_put_then_get_returns_the_bytes_and_meta(tmp_path: Path) -> None:
    store = Store(tmp_path)
    put = store.put(KEY, write_clip(), "mp4", META)
    got = store.get(KEY)
    assert got == put
    assert got.path == tmp_path / "objects" / KEY[:2] / f"{KEY}.mp4"
    assert got.path.read_bytes() == CLIP and got.meta == META and got.size == len(CLIP)
    sidecar = json.loads(got.path.with_suffix(".json").read_text(encoding="utf-8"))
    assert sidecar["sha256"] == hashlib.sha256(CLIP).hexdigest() and sidecar["suffix"] == "mp4"
    assert set(sidecar) == {"key", "size", "sha256", "suffix", "created", "meta"}
    assert files_of(tmp_path) == [f"{KEY}.json", f"{KEY}.mp4"]


def test_a_new_store_over_the_same_root_sees_the_entry(tmp_path: Path) -> None:
    Store(tmp_path).put(KEY, write_clip(), "mp4", META)
    got = Store(tmp_path).get(KEY)
    assert got is not None and got.path.read_bytes() == CLIP and got.meta == META


def test_miss_is_quiet(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert Store(tmp_path).get(KEY) is None
    assert not caplog.records


def _truncate(obj: Path, sidecar: Path) -> None:
    obj.write_bytes(CLIP[:-1])


def _flip_byte(obj: Path, sidecar: Path) -> None:
    data = bytearray(CLIP)
    data[7] ^= 0x01
    obj.write_bytes(bytes(data))


@pytest.mark.parametrize(("damage", "reason"), [
    (_truncate, "bytes, sidecar says"),
    (_flip_byte, "sha256 does not match"),
    (lambda obj, sidecar: sidecar.write_text("{not json", encoding="utf-8"), "unreadable sidecar"),
    (lambda obj, sidecar: sidecar.write_bytes(b"\xff\xfe"), "unreadable sidecar"),
    (lambda obj, sidecar: sidecar.write_text('{"key": "x"}', encoding="utf-8"), "bad key, size, sha256"),
    (lambda obj, sidecar: sidecar.unlink(), "object without sidecar"),
    (lambda obj, sidecar: obj.unlink(), "sidecar without object"),
], ids=["truncated", "flipped-byte", "garbage-sidecar", "binary-sidecar", "malformed-sidecar",
        "no-sidecar", "no-object"])
def test_broken_entry_is_a_warned_miss_then_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                                    damage: Callable[[Path, Path], None], reason: str) -> None:
    store = Store(tmp_path)
    obj = store.put(KEY, write_clip(), "mp4", META).path
    damage(obj, obj.with_suffix(".json"))
    with caplog.at_level(logging.WARNING, logger="fitcontent.store"):
        assert store.get(KEY) is None
    [record] = caplog.records
    assert record.levelno == logging.WARNING and KEY in record.getMessage() and reason in record.getMessage()
    assert files_of(tmp_path) == []
    store.put(KEY, write_clip(), "mp4", META)
    assert store.get(KEY).path.read_bytes() == CLIP


def test_produce_raising_leaves_no_temp_file(tmp_path: Path) -> None:
    def produce(tmp: Path) -> None:
        tmp.write_bytes(b"half a clip")
        raise RuntimeError("GPU fell over")

    store = Store(tmp_path)
    with pytest.raises(RuntimeError, match="GPU fell over"):
        store.put(KEY, produce, "mp4", META)
    assert files_of(tmp_path) == [] and store.get(KEY) is None


@pytest.mark.parametrize("produce", [lambda tmp: None, lambda tmp: tmp.touch()], ids=["no-file", "empty-file"])
def test_produce_writing_nothing_is_an_error(tmp_path: Path, produce: Callable[[Path], None]) -> None:
    with pytest.raises(StoreError, match="wrote nothing"):
        Store(tmp_path).put(KEY, produce, "mp4", META)
    assert files_of(tmp_path) == []


@pytest.mark.parametrize(("key", "suffix", "meta"), [
    ("../../etc", "mp4", {}), (KEY.upper(), "mp4", {}), (KEY, "json", {}), (KEY, ".mp4", {}),
    (KEY, "mp4", {"path": Path("x")}), (KEY, "mp4", {"x": float("nan")}),
])
def test_bad_arguments_fail_before_produce(tmp_path: Path, key: str, suffix: str, meta: dict) -> None:
    def produce(tmp: Path) -> None:
        raise AssertionError("produce must not run")

    with pytest.raises((ValueError, TypeError)):
        Store(tmp_path).put(key, produce, suffix, meta)


def test_a_new_suffix_replaces_the_old_object(tmp_path: Path) -> None:
    store = Store(tmp_path)
    store.put(KEY, write_clip(), "mp4", META)
    store.put(KEY, write_clip(b"webm"), "webm", {})
    assert store.get(KEY).path.read_bytes() == b"webm"
    assert files_of(tmp_path) == [f"{KEY}.json", f"{KEY}.webm"]


def test_gc_removes_only_old_temp_files(tmp_path: Path) -> None:
    shard = tmp_path / "objects" / KEY[:2]
    shard.mkdir(parents=True)
    old, fresh = shard / f".tmp-{KEY}-dead.mp4", shard / f".tmp-{KEY}-live.mp4"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    store = Store(tmp_path)
    assert not old.exists() and fresh.exists()
    assert store.get(KEY) is None and store.gc_temp(max_age=-1) == 1 and not fresh.exists()


def test_atomic_write_replaces_content_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "dist" / "manifest.json"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new 深蹲")
    assert target.read_text(encoding="utf-8") == "new 深蹲"
    atomic_write_bytes(target, b"\x00bytes")
    assert target.read_bytes() == b"\x00bytes"
    assert [p.name for p in target.parent.iterdir()] == ["manifest.json"]


def test_failed_atomic_write_keeps_old_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "manifest.json"
    atomic_write_text(target, "old")

    def broken_fsync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="Input/output"):
        atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old" and [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


@pytest.mark.parametrize("linkable", [True, False], ids=["hard-link", "copy"])
def test_publish_is_idempotent_and_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, linkable: bool) -> None:
    if not linkable:
        def no_link(src: Path, dst: Path) -> None:
            raise OSError(18, "Invalid cross-device link")

        monkeypatch.setattr(os, "link", no_link)
    src = Store(tmp_path / "store").put(KEY, write_clip(), "mp4", META).path
    dest = tmp_path / "dist" / "squat" / "front.mp4"
    assert publish(src, dest) is True
    assert dest.read_bytes() == CLIP and os.path.samefile(src, dest) == linkable
    before = dest.stat()
    assert publish(src, dest) is False
    assert dest.stat().st_ino == before.st_ino and dest.stat().st_mtime_ns == before.st_mtime_ns
    dest.unlink()
    dest.write_bytes(b"stale render")
    assert publish(src, dest) is True and dest.read_bytes() == CLIP
    assert [p.name for p in dest.parent.iterdir()] == ["front.mp4"]
    assert Store(tmp_path / "store").get(KEY).path.read_bytes() == CLIP


def _kill_when(mode: str, target: Path, ready: Callable[[], bool],
               while_stopped: Callable[[], None] = lambda: None) -> None:
    """Start the child writer, call ``while_stopped()`` once ``ready()`` says it is mid-write, SIGKILL it and
    reap it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, str(CHILD), mode, str(target), KEY], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30  # a guard against hanging, not a timing assertion
        while not ready():
            if child.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"child never got mid-write: {child.communicate()[1].decode()}")
            time.sleep(0.005)
        while_stopped()
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.communicate()
    assert child.returncode == -signal.SIGKILL


def test_killed_during_produce_leaves_no_entry(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shard = tmp_path / "objects" / KEY[:2]
    _kill_when("produce", tmp_path, lambda: any(p.stat().st_size for p in shard.glob(f".tmp-{KEY}-*.mp4")))
    store = Store(tmp_path)  # the killed writer's temp file goes at once: its process no longer runs
    assert not list(shard.glob(".tmp-*"))
    assert store.get(KEY) is None and not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not (shard / f"{KEY}.mp4").exists() and not (shard / f"{KEY}.json").exists()
    assert store.put(KEY, write_clip(), "mp4", META) == store.get(KEY)
    store.gc_temp(max_age=-1)
    assert files_of(tmp_path) == [f"{KEY}.json", f"{KEY}.mp4"]


def test_killed_between_sidecar_and_object_is_a_miss(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shard = tmp_path / "objects" / KEY[:2]
    _kill_when("commit", tmp_path, (shard / f"{KEY}.json").exists)
    store = Store(tmp_path)
    assert not (shard / f"{KEY}.mp4").exists()
    assert store.get(KEY) is None and "sidecar without object" in caplog.text
    assert not (shard / f"{KEY}.json").exists()
    store.put(KEY, write_clip(), "mp4", META)
    assert store.get(KEY).path.read_bytes() == CLIP


def test_a_commit_locks_out_other_processes_until_it_ends_even_by_a_kill(tmp_path: Path) -> None:
    """Commits of two processes are serialised: while the child is mid-commit no other process can take
    ``root/.lock``, and the OS frees the lock when the child is killed."""
    other_process = FileLock(tmp_path / ".lock", blocking=False)

    def lock_is_taken() -> None:
        with pytest.raises(Timeout):
            other_process.acquire()

    _kill_when("commit", tmp_path, (tmp_path / "objects" / KEY[:2] / f"{KEY}.json").exists, lock_is_taken)
    with other_process:  # no Timeout: the OS dropped the killed child's lock
        pass


def test_killed_during_atomic_write_keeps_old_content(tmp_path: Path) -> None:
    target = tmp_path / "manifest.json"
    atomic_write_text(target, "old content")
    _kill_when("text", target, lambda: any(tmp_path.glob(".tmp-manifest.json-*")))
    assert target.read_text(encoding="utf-8") == "old content"


def test_write_atomically_replaces_keeps_same_bytes_and_leaves_nothing_on_failure(tmp_path: Path) -> None:
    """What another program writes (ffmpeg's cuts, the SCORM zip) lands whole or not at all."""
    dest = tmp_path / "out" / "cut.mp4"
    assert write_atomically(dest, lambda tmp: tmp.write_bytes(b"first"))
    mtime = dest.stat().st_mtime_ns
    assert not write_atomically(dest, lambda tmp: tmp.write_bytes(b"first"))  # same bytes: untouched
    assert dest.stat().st_mtime_ns == mtime

    def fails(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("ffmpeg died")

    with pytest.raises(RuntimeError, match="ffmpeg died"):
        write_atomically(dest, fails)
    assert dest.read_bytes() == b"first" and sorted(p.name for p in dest.parent.iterdir()) == ["cut.mp4"]
    assert write_atomically(dest, lambda tmp: tmp.write_bytes(b"second")) and dest.read_bytes() == b"second"


def _count_hashing(monkeypatch: pytest.MonkeyPatch, racy_seconds: float) -> list[Path]:
    """Set ``RACY_SECONDS`` to ``racy_seconds``; the list filled with each file the store hashes from now on."""
    monkeypatch.setattr(store_module, "RACY_SECONDS", racy_seconds)
    reads: list[Path] = []

    def counted(path: Path) -> tuple[int, str]:
        reads.append(Path(path))
        return file_sha256(path)

    monkeypatch.setattr(store_module, "file_sha256", counted)
    return reads


@pytest.mark.parametrize(("racy_seconds", "reads_of_two_gets"), [(float("-inf"), 1), (float("inf"), 2)],
                         ids=["settled-file", "just-changed-file"])
def test_a_get_reads_an_object_again_only_when_its_stat_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                racy_seconds: float, reads_of_two_gets: int) -> None:
    """A settled object is hashed once; one changed within ``RACY_SECONDS`` is hashed on every read, as
    another write in the same clock tick would not change its stat."""
    store = Store(tmp_path)
    entry = store.put(KEY, write_clip(), "mp4", META)
    reads = _count_hashing(monkeypatch, racy_seconds)
    assert store.get(KEY) == entry and store.get(KEY) == entry
    assert reads == [entry.path] * reads_of_two_gets
    stat = entry.path.stat()
    os.utime(entry.path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert store.get(KEY) == entry and reads == [entry.path] * (reads_of_two_gets + 1)


def test_a_byte_flipped_in_place_with_size_and_mtime_kept_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """Editing a published hard link in place keeps the object's size and, put back, its mtime; the ctime
    still moves, so the hash remembered from the first read is not trusted."""
    reads = _count_hashing(monkeypatch, float("-inf"))
    store = Store(tmp_path / "store")
    obj = store.put(KEY, write_clip(), "mp4", META).path
    dest = tmp_path / "dist" / "front.mp4"
    publish(obj, dest)
    assert os.path.samefile(obj, dest) and store.get(KEY) is not None
    before, reads_before = obj.stat(), len(reads)
    with open(dest, "r+b") as f:
        f.seek(7)
        f.write(bytes([CLIP[7] ^ 0x01]))
    os.utime(dest, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = obj.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    if after.st_ctime_ns == before.st_ctime_ns:
        pytest.skip("timestamps here are too coarse to move within the test (RACY_SECONDS covers that case)")
    with caplog.at_level(logging.WARNING, logger="fitcontent.store"):
        assert store.get(KEY) is None
    assert "sha256 does not match" in caplog.text and len(reads) > reads_before

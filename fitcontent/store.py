"""Content-addressed clip store: same spec => same file, never redone; a corrupt entry is a miss, not a crash.

Entries live at ``objects/<key[:2]>/<key>.<suffix>`` beside a sidecar ``<key>.json`` (key, size, sha256,
suffix, created, meta); work in progress is ``.tmp-<key>-p<pid>h<host>-<rand>.<suffix>``, which never matches
``<key>.*`` and says which process of which machine writes it.

Crash-safety ordering in :meth:`Store.put`: (1) ``produce`` writes the temp file, which is fsynced and hashed
outside the lock (the slow part); (2) the sidecar is written atomically and its directory fsynced; (3) the
object is renamed into place and the directory fsynced again. The object's name appearing is the commit
point, and its sidecar is durable before it, so a crash leaves at worst a sidecar without an object (a
miss, cleaned by the next ``get``), never an object whose sidecar is missing or describes other bytes.
Damage from elsewhere (disk, a person) is caught because ``get`` checks size and sha256 on every read;
the sha256 is computed again only when the object's stat changed (see :func:`hashed`).
Commits and deletions hold an exclusive :class:`filelock.FileLock` on ``root/.lock`` (``flock`` on POSIX,
``LockFileEx`` on Windows; the OS drops it when the holder dies), so a reader that meets an entry
mid-commit waits and looks again instead of deleting a good entry.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock

from fitcontent.errors import FitcontentError

logger = logging.getLogger(__name__)

TEMP_PREFIX = ".tmp-"
TEMP_MAX_AGE = 600.0  # seconds; an older temp file is debris of a killed process, a live writer touches it sooner

_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]
_OWNER = re.compile(r"-p(\d+)h([0-9a-f]{6})-[0-9a-f]{12}")
_KEY = re.compile(r"[0-9a-f]{64}")
_SUFFIX = re.compile(r"[A-Za-z0-9]+(\.[A-Za-z0-9]+)*")
_CHUNK = 1 << 20
RACY_SECONDS = 2.0
""":func:`hashed` does not cache a file changed this recently: timestamps can be as coarse as a clock tick
(2 s on FAT), so another write within that tick would leave the file's stat as it was."""


class StoreError(FitcontentError):
    """A build step broke the store's contract (for example, it produced no file)."""


@dataclass(frozen=True)
class Entry:
    """A verified store object: its bytes matched the sidecar when it was returned."""

    key: str
    path: Path
    size: int
    sha256: str
    meta: dict[str, Any]


def cache_key(spec: Mapping[str, Any], backend: str, version: str) -> str:
    """The sha256 of canonical JSON of spec + backend + version: any change makes a new key, order never does.

    Types count (``16`` and ``16.0`` differ), so pass a stable dump such as ``ShotSpec.model_dump(mode="json")``.
    """
    try:
        text = json.dumps({"backend": backend, "spec": dict(spec), "version": version}, sort_keys=True,
                          separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"cache_key: spec is not JSON-able ({exc})") from exc
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fsync_dir(directory: Path) -> None:
    """Make renames in ``directory`` durable; skipped where directories cannot be fsynced."""
    if os.name == "nt":  # pragma: no cover
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
    finally:
        os.close(fd)


def owner_tag(pid: int) -> str:
    """Who writes a temp file: ``p<pid>h<host>``, so a later run on this machine can tell a dead writer's debris
    from a live writer's work in progress."""
    return f"p{pid}h{_HOST}"


def _temp_path(directory: Path, stem: str, suffix: str = "") -> Path:
    return directory / f"{TEMP_PREFIX}{stem}-{owner_tag(os.getpid())}-{secrets.token_hex(6)}{suffix}"


def _writer_is_dead(name: str) -> bool:
    """Whether the temp file ``name`` was written by a process of this machine that no longer runs."""
    found = _OWNER.search(name)
    if found is None or found.group(2) != _HOST:
        return False
    try:
        os.kill(int(found.group(1)), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError, ValueError, OverflowError):  # another user's, or no way to tell here
        return False
    return False


def _replace_into(tmp: Path, dest: Path, content: bytes | Path | None) -> None:
    """Fill a new ``tmp`` (bytes, a file to copy, or None: ready), rename it over ``dest``; no temp left on error."""
    try:
        if content is not None:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask modes, unlike mkstemp's 0600
            with open(fd, "wb") as out:
                if isinstance(content, bytes):
                    out.write(content)
                else:
                    with open(content, "rb") as f:
                        shutil.copyfileobj(f, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(dest.parent)


def write_atomically(dest: Path, produce: Callable[[Path], None]) -> bool:
    """Have ``produce`` write a new temp file beside ``dest``, fsync it and rename it over ``dest``, unless
    ``dest`` already holds the same bytes (a no-op rerun writes nothing); True when ``dest`` changed. For
    files another program writes (ffmpeg, a zip library); no temp is left on error."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(dest.parent, dest.name)
    try:
        produce(tmp)
        with open(tmp, "rb+") as out:
            os.fsync(out.fileno())
        if dest.is_file() and hashed(dest) == file_sha256(tmp):
            tmp.unlink()
            return False
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _replace_into(tmp, dest, None)
    return True


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so readers (and a crash) see the old or the new file, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _replace_into(_temp_path(path.parent, path.name), path, bytes(data))


def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


def output_dir(path: Path, what: str = "--out") -> Path:
    """``path`` as a directory to write into (made if missing), or one :class:`FitcontentError` line saying
    why it cannot be (a file, a path through a file, no permission)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FitcontentError(f"{what} {path}: is a file, not a directory; choose a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FitcontentError(f"{what} {path}: cannot be made ({exc.strerror}); choose a directory you can "
                              f"write to") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise FitcontentError(f"{what} {path}: not writable; choose a directory you can write to")
    return path


def output_file(path: Path, what: str = "-o") -> Path:
    """``path`` as a file to write (its folder made if missing), or one :class:`FitcontentError` line."""
    path = Path(path)
    if path.is_dir():
        raise FitcontentError(f"{what} {path}: is a directory; give a file name, e.g. {path / 'still.png'}")
    output_dir(path.parent, f"{what} {path}: its folder")
    return path


def write_text_if_changed(path: Path, text: str) -> None:
    """:func:`atomic_write_text` unless ``path`` already holds ``text``: a no-op rerun writes nothing."""
    if not (path.is_file() and path.read_text(encoding="utf-8") == text):
        atomic_write_text(path, text)


def file_sha256(path: Path) -> tuple[int, str]:
    """Size and sha256 hex of a file, read in chunks so large clips do not fill memory."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def hashed(path: Path) -> tuple[int, str]:
    """:func:`file_sha256`, remembered while the file's device, inode, size, mtime and ctime stay the same (an
    edit in place, even one that keeps the size and puts the mtime back, moves the ctime); a file changed in
    the last :data:`RACY_SECONDS` is read every time."""
    stat = os.stat(path)
    if time.time() - stat.st_ctime < RACY_SECONDS:
        return file_sha256(path)
    return _hashed(os.fspath(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


@functools.lru_cache(maxsize=1024)
def _hashed(path: str, dev: int, inode: int, size: int, mtime_ns: int, ctime_ns: int) -> tuple[int, str]:
    return file_sha256(Path(path))


def publish(src: Path, dest: Path) -> bool:
    """Place store object ``src`` at ``dest`` atomically; False when ``dest`` already had these bytes.

    A hard link costs no space (editing ``dest`` in place then damages the object, which the store's
    verification catches and rebuilds); across filesystems the bytes are copied to a temp file first.
    """
    src, dest = Path(src), Path(dest)
    if dest.is_file() and (os.path.samefile(src, dest) or hashed(src) == hashed(dest)):
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(dest.parent, dest.name)
    try:
        os.link(src, tmp)
        content = None
    except OSError:  # another filesystem, or no hard links there: copy
        content = src
    _replace_into(tmp, dest, content)
    return True


def remove_stale_temp_files(directory: Path, max_age: float = TEMP_MAX_AGE) -> int:
    """Delete the temp files below ``directory`` that killed writers left: those of a process of this machine
    that no longer runs, and any older than ``max_age`` seconds. Another build's work in progress is never
    touched. Returns how many were deleted."""
    cutoff, removed = time.time() - max_age, 0
    for tmp in Path(directory).rglob(f"{TEMP_PREFIX}*"):
        with contextlib.suppress(FileNotFoundError):  # another process may be cleaning up too
            if tmp.is_file() and (_writer_is_dead(tmp.name) or tmp.stat().st_mtime <= cutoff):
                tmp.unlink()
                removed += 1
    if removed:
        logger.info("%s: removed %d stale temp file(s)", directory, removed)
    return removed


@contextlib.contextmanager
def lock(directory: Path) -> Iterator[None]:
    """Hold the exclusive, blocking lock of ``directory`` (its file ``.lock``), across processes and threads;
    the OS drops it when its holder dies. Made anew on each use, as filelock refuses a lock made before a fork;
    ``.lock`` stays in place, and no soft lock (a marker a killed holder leaves behind) stands in where flock
    fails. Anything but a file in its place is damage, and replaced; a lock that cannot be taken is one line."""
    path = Path(directory) / ".lock"
    if path.exists() and not path.is_file():
        logger.warning("%s is not a file; replacing it", path)
        _delete(path)
    held = FileLock(path, preserve_lock_file=True, fallback_to_soft=False)
    try:
        held.acquire()
    except OSError as exc:
        raise FitcontentError(f"{directory}: its lock file {path.name} cannot be used ({exc.strerror or exc}); "
                              f"make the folder writable, or choose another") from None
    try:
        yield
    finally:
        held.release()


class Store:
    """Clips and other build products, keyed by :func:`cache_key`, verified on every read."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.objects.mkdir(parents=True, exist_ok=True)
        self.gc_temp()

    def gc_temp(self, max_age: float = TEMP_MAX_AGE) -> int:
        """Delete temp files of writers killed more than ``max_age`` seconds ago; returns how many."""
        return remove_stale_temp_files(self.objects, max_age)

    def get(self, key: str) -> Entry | None:
        """The verified entry for ``key``, or None (a miss, or a broken entry: warned about and deleted)."""
        entry, problem = self._verify(key)
        if problem is None:
            return entry
        with self._lock():  # a put may be mid-commit: look again once it is done
            entry, problem = self._verify(key)
            if problem is not None:
                logger.warning("store: entry %s is broken (%s); deleting it, it will be rebuilt", key, problem)
                self._remove(key)
        return entry

    def put(self, key: str, produce: Callable[[Path], None], suffix: str,
            meta: Mapping[str, Any] | Callable[[], Mapping[str, Any]]) -> Entry:
        """Run ``produce(tmp_path)`` and commit its file as ``key``; see the module docstring for the order.
        ``meta`` may be a function, called after ``produce``, for facts known only then (time, memory)."""
        _check_key(key)
        if not _SUFFIX.fullmatch(suffix) or suffix.lower() == "json":
            raise ValueError(f"put: suffix must be like 'mp4' and not 'json' (got {suffix!r})")
        # fail before produce; get() returns the same
        stored: dict[str, Any] = {} if callable(meta) else json.loads(json.dumps(dict(meta), allow_nan=False))
        shard = self._shard(key)
        if shard.exists() and not shard.is_dir():  # a file where a shard folder belongs: damage, replaced
            logger.warning("store: %s is not a folder; replacing it", shard)
            _delete(shard)
        shard.mkdir(parents=True, exist_ok=True)
        tmp = _temp_path(shard, key, f".{suffix}")
        try:
            produce(tmp)
            if not tmp.is_file() or tmp.stat().st_size == 0:
                raise StoreError(f"store: producing {key}.{suffix} wrote nothing to {tmp.name}")
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
            size, sha = file_sha256(tmp)
            if callable(meta):
                stored = json.loads(json.dumps(dict(meta()), allow_nan=False))
            sidecar = {"key": key, "size": size, "sha256": sha, "suffix": suffix,
                       "created": datetime.now(UTC).isoformat(timespec="seconds"), "meta": stored}
            obj = shard / f"{key}.{suffix}"
            with self._lock():
                atomic_write_text(shard / f"{key}.json", json.dumps(sidecar, ensure_ascii=False, indent=2))
                _replace_into(tmp, obj, None)  # the commit point
                for stale in self._objects_of(key):  # an older entry stored under another suffix
                    if stale != obj:
                        stale.unlink(missing_ok=True)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        logger.debug("store: put %s (%d bytes)", obj.name, size)
        return Entry(key=key, path=obj, size=size, sha256=sha, meta=stored)

    def _shard(self, key: str) -> Path:
        return self.objects / key[:2]

    def _objects_of(self, key: str) -> list[Path]:
        return [p for p in self._shard(key).glob(f"{key}.*") if p.name != f"{key}.json"]

    def _verify(self, key: str) -> tuple[Entry | None, str | None]:
        """(entry, None) when sound, (None, None) on a plain miss, (None, reason) when broken."""
        _check_key(key)
        sidecar_path = self._shard(key) / f"{key}.json"
        try:
            sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None, ("object without sidecar" if self._objects_of(key) else None)
        except (OSError, ValueError) as exc:
            return None, f"unreadable sidecar: {exc}"
        problem = _sidecar_problem(sidecar, key)
        if problem:
            return None, problem
        path = self._shard(key) / f"{key}.{sidecar['suffix']}"
        try:
            size, sha = hashed(path)
        except FileNotFoundError:
            return None, "sidecar without object"
        except OSError as exc:
            return None, f"unreadable object: {exc}"
        if size != sidecar["size"]:
            return None, f"object is {size} bytes, sidecar says {sidecar['size']}"
        if sha != sidecar["sha256"]:
            return None, "object's sha256 does not match the sidecar"
        return Entry(key=key, path=path, size=sidecar["size"], sha256=sha, meta=sidecar["meta"]), None

    def _remove(self, key: str) -> None:
        """Delete the entry, whatever stands in its place (a folder where a file belongs, a file for the shard)."""
        shard = self._shard(key)
        if shard.exists() and not shard.is_dir():
            _delete(shard)
            return
        for path in [*self._objects_of(key), shard / f"{key}.json"]:
            _delete(path)
        fsync_dir(shard)

    def _lock(self) -> contextlib.AbstractContextManager[None]:
        """Commits and deletions, one at a time across processes."""
        return lock(self.root)


def _delete(path: Path) -> None:
    """Remove ``path``, a file, a link or a folder, if it is there."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _check_key(key: str) -> None:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(f"store key must be 64 lowercase hex characters from cache_key() (got {key!r})")


def _sidecar_problem(sidecar: Any, key: str) -> str | None:
    """Why a parsed sidecar cannot be trusted, or None."""
    if not isinstance(sidecar, dict):
        return "sidecar is not a JSON object"
    size, sha, suffix = sidecar.get("size"), sidecar.get("sha256"), sidecar.get("suffix")
    checks = [
        ("key", sidecar.get("key") == key),
        ("size", isinstance(size, int) and not isinstance(size, bool) and size >= 0),
        ("sha256", isinstance(sha, str) and _KEY.fullmatch(sha)),
        ("suffix", isinstance(suffix, str) and _SUFFIX.fullmatch(suffix) and suffix.lower() != "json"),
        ("meta", isinstance(sidecar.get("meta"), dict)),
    ]
    bad = [name for name, ok in checks if not ok]
    return f"sidecar has a bad {', '.join(bad)}" if bad else None

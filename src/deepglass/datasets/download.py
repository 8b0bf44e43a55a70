"""Finding dataset files locally, or downloading them once into a cache, verified by checksum.

Where files are looked for (the same rule for every dataset called `name`):
  1. `root` if given, else the environment variable `DEEPGLASS_DATA`, else `~/.cache/deepglass`;
  2. inside that folder, the file itself (`root/<file>`), then `root/<name>/<file>`;
  3. if still missing and `download=True`, it is fetched into `root/<name>/<file>`.

A download streams into a hidden temporary file beside the target, checks the byte count the server
announced and the md5/sha256 checksum, and only then renames it into place (`os.replace`), so an
interrupted or corrupt transfer never leaves a file that looks complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


@dataclass(frozen=True)
class RemoteFile:
    """One file of a dataset: its name, where to fetch it, and its published checksum."""

    filename: str
    url: str | None = None
    md5: str | None = None
    sha256: str | None = None
    alternatives: tuple[str, ...] = ()  # other names that hold the same content locally (e.g. un-gzipped)
    # The name is also another dataset's (Fashion-MNIST reuses MNIST's file names): a copy directly in
    # the data root is taken only when its checksum matches; otherwise only root/<dataset>/ is searched.
    shared_name: bool = False


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The data folder: `root`, else $DEEPGLASS_DATA, else ~/.cache/deepglass."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("DEEPGLASS_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "deepglass"


def file_hash(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in 1 MiB chunks."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class ChecksumError(OSError):
    """A downloaded file's checksum does not match the published one."""


def download_url(url: str, path: str | os.PathLike, md5: str | None = None, sha256: str | None = None,
                 timeout: float = 60.0, progress: bool = False) -> Path:
    """Download `url` to `path` atomically, verifying size and checksum; returns the path.

    Nothing is left at `path` unless every byte arrived and the checksum matched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    digests = {k: hashlib.new(k) for k, v in (("md5", md5), ("sha256", sha256)) if v}
    received = 0
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "deepglass"})
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as response:
            expected = response.headers.get("Content-Length")
            expected = int(expected) if expected is not None else None
            while True:
                block = response.read(CHUNK)
                if not block:
                    break
                out.write(block)
                received += len(block)
                for d in digests.values():
                    d.update(block)
                if progress and expected:
                    print(f"\r{path.name}: {received / expected:6.1%}", end="", flush=True)
            out.flush()
            os.fsync(out.fileno())
        if progress:
            print()
        if expected is not None and received != expected:
            raise OSError(f"download of {url} was interrupted: got {received} of {expected} bytes")
        for name, digest in digests.items():
            want = (md5 if name == "md5" else sha256).lower()
            if digest.hexdigest() != want:
                raise ChecksumError(f"{path.name} downloaded from {url} is corrupt: {name} {digest.hexdigest()} "
                                    f"!= expected {want}; nothing was saved, try again")
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, http.client.IncompleteRead):  # the server closed before Content-Length bytes
            raise OSError(f"download of {url} was interrupted after {received} bytes") from e
        raise
    return path


def find_file(spec: RemoteFile, folders: list[Path]) -> Path | None:
    """The first existing file among `folders` × (spec.filename, *spec.alternatives).

    `folders[0]` is the shared data root: for a `shared_name` file only a checksum-verified copy counts there.
    """
    for i, folder in enumerate(folders):
        for name in (spec.filename, *spec.alternatives):
            candidate = folder / name
            if not candidate.is_file():
                continue
            if i == 0 and spec.shared_name and not _matches_checksum(spec, name, candidate):
                continue
            return candidate
    return None


def _matches_checksum(spec: RemoteFile, name: str, path: Path) -> bool:
    if name != spec.filename or not (spec.md5 or spec.sha256):
        return False  # an un-gzipped copy cannot be told apart from the other dataset's
    if spec.sha256:
        return file_hash(path, "sha256") == spec.sha256.lower()
    return file_hash(path, "md5") == spec.md5.lower()


def fetch(name: str, files: list[RemoteFile], root: str | os.PathLike | None = None,
          download: bool = True) -> dict[str, Path]:
    """Paths of `files` for dataset `name`: found locally, else downloaded (see the module docstring).

    Raises FileNotFoundError naming the missing files, the folders searched and the URLs when a file is
    absent and cannot be downloaded.
    """
    base = data_root(root)
    folders = [base, base / name]
    found, missing = {}, []
    for spec in files:
        path = find_file(spec, folders)
        if path is None and download and spec.url:
            target = base / name / spec.filename
            print(f"deepglass: downloading {spec.url} to {target}", file=sys.stderr)
            try:
                path = download_url(spec.url, target, md5=spec.md5, sha256=spec.sha256)
            except ChecksumError:
                raise
            except OSError as e:
                missing.append((spec, f"download failed: {e}"))
                continue
        if path is None:
            missing.append((spec, "not found" if spec.url else "no public download; copy it by hand"))
        else:
            found[spec.filename] = path
    if missing:
        lines = [f"{name}: {len(missing)} file(s) missing. Put them in {base} or {base / name}"
                 f" (or pass root=..., or set DEEPGLASS_DATA):"]
        for spec, why in missing:
            url = f" from {spec.url}" if spec.url else ""
            lines.append(f"  {spec.filename}{url}  ({why})")
        raise FileNotFoundError("\n".join(lines))
    return found

"""Downloads against a local HTTP server on 127.0.0.1: checksums, caching, corrupt and interrupted transfers."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import importlib
import threading

import numpy as np
import pytest

import deepglass as dg
from deepglass.datasets import ChecksumError, RemoteFile, download_url, fetch

mnist_module = importlib.import_module("deepglass.datasets.mnist")  # the module, not the function


class _Handler(http.server.BaseHTTPRequestHandler):
    files: dict = {}  # path -> (bytes, mode); mode 'ok' or 'cut' (announce all, send half, close)
    hits: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        entry = self.files.get(self.path.split("?")[0])
        if entry is None:
            self.send_error(404)
            return
        body, mode = entry
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body if mode == "ok" else body[: len(body) // 2])
        if mode == "cut":
            self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.files, _Handler.hits = {}, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.timeout = 5
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Handler
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def _leftovers(folder):
    return [p.name for p in folder.rglob("*") if p.is_file()]


def test_download_verifies_and_caches(server, tmp_path):
    url, handler = server
    body = bytes(range(256)) * 100
    handler.files["/data.bin"] = (body, "ok")
    spec = RemoteFile("data.bin", url + "/data.bin", md5=hashlib.md5(body).hexdigest(),
                      sha256=hashlib.sha256(body).hexdigest())
    path = fetch("toy", [spec], root=tmp_path)["data.bin"]
    assert path == tmp_path / "toy" / "data.bin" and path.read_bytes() == body
    assert _leftovers(tmp_path) == ["data.bin"]
    fetch("toy", [spec], root=tmp_path)  # second call: found in the cache, no new request
    assert handler.hits == ["/data.bin"]


def test_corrupt_download_raises_and_caches_nothing(server, tmp_path):
    url, handler = server
    handler.files["/data.bin"] = (b"tampered bytes", "ok")
    spec = RemoteFile("data.bin", url + "/data.bin", sha256=hashlib.sha256(b"original bytes").hexdigest())
    with pytest.raises(ChecksumError, match=r"data\.bin downloaded from .* is corrupt: sha256"):
        fetch("toy", [spec], root=tmp_path)
    assert _leftovers(tmp_path) == []


def test_interrupted_download_leaves_no_complete_looking_file(server, tmp_path):
    url, handler = server
    handler.files["/big.bin"] = (b"x" * 200_000, "cut")
    with pytest.raises(OSError, match="interrupted"):
        download_url(url + "/big.bin", tmp_path / "big.bin")
    assert _leftovers(tmp_path) == []
    with pytest.raises(FileNotFoundError, match=r"(?s)big\.bin from .*download failed.*interrupted"):
        fetch("toy", [RemoteFile("big.bin", url + "/big.bin")], root=tmp_path)
    assert _leftovers(tmp_path) == []


def test_missing_on_server_gives_the_offline_message(server, tmp_path):
    url, _ = server
    with pytest.raises(FileNotFoundError, match=r"(?s)Put them in .*nothing\.bin from http://127\.0\.0\.1.*404"):
        fetch("toy", [RemoteFile("nothing.bin", url + "/nothing.bin")], root=tmp_path)


def test_mnist_downloads_once_into_root_name(server, tmp_path, monkeypatch):
    url, handler = server
    rng = np.random.default_rng(0)
    md5 = {}
    for prefix, n in (("train", 7), ("t10k", 3)):
        for kind, shape in (("images-idx3", (n, 28, 28)), ("labels-idx1", (n,))):
            array = rng.integers(0, 10, shape).astype(np.uint8)
            raw = bytes([0, 0, 8, len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape) + array.tobytes()
            body = gzip.compress(raw)
            name = f"{prefix}-{kind}-ubyte.gz"
            handler.files[f"/mnist/{name}"] = (body, "ok")
            md5[name] = hashlib.md5(body).hexdigest()
    monkeypatch.setattr(mnist_module, "MNIST_URL", url + "/mnist/")
    monkeypatch.setattr(mnist_module, "MNIST_MD5", md5)
    s = dg.datasets.mnist(root=tmp_path)
    assert len(s.train) == 7 and len(s.test) == 3
    assert sorted(_leftovers(tmp_path / "mnist")) == sorted(md5)
    dg.datasets.mnist(root=tmp_path)
    assert len(handler.hits) == 4

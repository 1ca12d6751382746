"""Checkpoints of an unfinished training run, and the files a killed run leaves behind.

The checkpoint of a model being written to MODEL is the directory ``MODEL.ckpt/``:

    corpus.ids   the encoded corpus: native-endian int32 vocabulary ids, -1 ending a
                 sentence; written once, so a run whose text came from stdin can go on
    state.npz    everything else, one uncompressed NumPy zip replaced atomically
                 (temporary file, fsync, rename): the vocabulary, the weights, the
                 span cursor (epoch, position), each thread's random state, the words
                 done, the loss sums, the parameters and a fingerprint of the corpus

``state.npz`` is the commit point: a directory without it holds no checkpoint.
While training, the directory also holds the scan's temporary ids file. Every
temporary file carries the process id in its name (``w2v-ids-<pid>-*``,
``*.tmp-<pid>-*``), so that ``remove_stale_files`` can delete those of a
process that no longer runs (one killed with SIGKILL, say).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import zipfile
from dataclasses import dataclass, fields

import numpy as np

from w2v.errors import ModelError, W2VError
from w2v.training.params import TrainParams

CHECKPOINT_VERSION = 2  # 2: one shared span cursor instead of a position per thread
STATE = "state.npz"
IDS = "corpus.ids"
_STALE = re.compile(r"^(?:w2v-ids-|w2v-remap-|\..+\.tmp-|state\.npz\.tmp-|corpus\.ids\.tmp-)(\d+)-")
_SAMPLE = 1 << 20  # bytes hashed at each of three places of the corpus for its fingerprint


def checkpoint_dir(output: str) -> str:
    return os.fspath(output) + ".ckpt"


def has_checkpoint(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, STATE))


class TrainingInterrupted(W2VError):
    """SIGINT or SIGTERM stopped training; the exit status is 128 + the signal number."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.signum = signum
        self.exit_code = 128 + signum


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class StopSignals:
    """SIGINT and SIGTERM handling for one training run (a no-op outside the main thread).

    Before training starts a signal raises ``TrainingInterrupted`` at once (nothing is
    lost); while training (``stop`` set) it only asks the workers to stop after their
    current span; while a file is being written (``deferred``) it is only remembered.
    """

    def __init__(self):
        self.received: int | None = None
        self.stop = None  # a callable that asks the workers to stop
        self.deferred = False
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc):
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum, frame):
        if self.received is None:
            self.received = signum
        if self.stop is not None:
            self.stop()
        elif not self.deferred:
            raise TrainingInterrupted(f"interrupted by {signal_name(signum)} before training started; "
                                      f"nothing was written", signum)


def remove_stale_files(directory: str) -> list[str]:
    """Delete the temporary files in ``directory`` of w2v processes that no longer run."""
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        match = _STALE.match(name)
        if match is None or _running(int(match.group(1))):
            continue
        path = os.path.join(directory, name)
        try:
            if stat.S_ISREG(os.lstat(path).st_mode):
                os.unlink(path)
                removed.append(path)
        except OSError:
            pass
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, say: leave its files alone
        return True
    return True


def corpus_fingerprint(path: str) -> dict | None:
    """Size and a hash of three 1 MB samples of a regular file; None for stdin and pipes."""
    if path == "-":
        return None
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # never open a FIFO: that would wait for a writer
            return None
        with open(path, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None
            digest = hashlib.blake2b(digest_size=16)
            size = info.st_size
            for start in sorted({0, max(0, size // 2 - _SAMPLE // 2), max(0, size - _SAMPLE)}):
                f.seek(start)
                digest.update(f.read(_SAMPLE))
    except OSError:
        return None
    return {"size": size, "sample_hash": digest.hexdigest()}


@dataclass
class Checkpoint:
    """What ``save`` writes and ``load`` returns (arrays are in memory after ``load``)."""

    params: TrainParams
    words: list
    counts: np.ndarray
    syn0: np.ndarray
    syn1neg: np.ndarray | None
    syn1: np.ndarray | None
    epoch: np.ndarray  # (1,) the epoch of the next span to hand out; == epochs once all are
    position: np.ndarray  # (1,) the first id of that span
    rng: np.ndarray  # (threads,) each thread's LCG state
    words_done: np.ndarray  # (threads,)
    stats: np.ndarray  # (epochs, threads, 3): loss sum, predictions, words read
    info: dict  # corpus description, fingerprint, ids count and anything else worth keeping
    ngram_buckets: np.ndarray | None = None  # a subword model's: syn0 holds V word rows, then one per bucket


_ARRAYS = ("counts", "syn0", "syn1neg", "syn1", "epoch", "position", "rng", "words_done", "stats", "ngram_buckets")


class CheckpointWriter:
    """Writes the checkpoints of one run into ``directory`` (made if needed)."""

    def __init__(self, directory: str):
        self.directory = directory
        self.ids_written = False

    def prepare(self) -> None:
        try:
            os.makedirs(self.directory, exist_ok=True)
        except OSError as e:
            raise ModelError(f"cannot create the checkpoint directory {self.directory!r}: {_reason(e)}") from None

    def save(self, checkpoint: Checkpoint, ids_path: str) -> None:
        self.prepare()
        if not self.ids_written:
            self._place_ids(ids_path)
            self.ids_written = True
        arrays = {name: getattr(checkpoint, name) for name in _ARRAYS if getattr(checkpoint, name) is not None}
        header = {"checkpoint_version": CHECKPOINT_VERSION,
                  "params": {f.name: getattr(checkpoint.params, f.name) for f in fields(TrainParams)},
                  "info": checkpoint.info}
        arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
        arrays["words"] = np.frombuffer("\n".join(checkpoint.words).encode("utf-8"), dtype=np.uint8)
        _atomic_write(os.path.join(self.directory, STATE), lambda f: np.savez(f, **arrays))

    def _place_ids(self, ids_path: str) -> None:
        target = os.path.join(self.directory, IDS)
        if os.path.abspath(ids_path) == os.path.abspath(target):
            return
        _unlink(target)
        try:
            os.link(ids_path, target)  # same file system: instant, and the scan's name can go
            return
        except OSError:
            pass
        with open(ids_path, "rb") as source:
            _atomic_write(target, lambda f: shutil.copyfileobj(source, f, 1 << 22))


def _atomic_write(path: str, write) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f"{os.path.basename(path)}.tmp-{os.getpid()}-")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_directory(directory)
    except BaseException as e:
        _unlink(tmp)
        if isinstance(e, OSError):
            raise ModelError(f"cannot write the checkpoint {path!r}: {_reason(e)}") from None
        raise


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def has_subwords(directory: str) -> bool:
    """Whether the checkpoint in ``directory`` is of a subword model (False when there is none)."""
    try:
        with np.load(os.path.join(directory, STATE), allow_pickle=False) as data:
            return "ngram_buckets" in data.files
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return False


def read_params(directory: str) -> TrainParams:
    """The parameters of the checkpoint in ``directory`` (reads only its header)."""
    path = os.path.join(directory, STATE)
    if not os.path.isfile(path):
        raise ModelError(f"no checkpoint to resume in {directory!r} (was the run started with this -o?)")
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(data["header"].tobytes().decode("utf-8"))
        return TrainParams(**header["params"]).validate()
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, TypeError, W2VError):
        raise ModelError(f"checkpoint is corrupt: {path!r}; delete {directory!r} to start over") from None


def load(directory: str) -> tuple[Checkpoint, str]:
    """The checkpoint in ``directory`` and the path of its ids file; a bad one is a ModelError."""
    path = os.path.join(directory, STATE)
    ids_path = os.path.join(directory, IDS)
    if not os.path.isfile(path):
        raise ModelError(f"no checkpoint to resume in {directory!r}")

    def corrupt(detail):
        return ModelError(f"checkpoint is corrupt ({detail}): {path!r}; delete {directory!r} to start over")

    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as e:
        raise corrupt(str(e).splitlines()[0] if str(e) else type(e).__name__) from None
    try:
        header = json.loads(arrays.pop("header").tobytes().decode("utf-8"))
        version = header.get("checkpoint_version")
    except (KeyError, ValueError, UnicodeDecodeError, AttributeError) as e:
        raise corrupt(type(e).__name__) from None
    if version != CHECKPOINT_VERSION:
        raise ModelError(f"the checkpoint in {directory!r} was written by another version of w2v "
                         f"(checkpoint format {version!r}, this w2v reads {CHECKPOINT_VERSION}); "
                         f"delete it to start over")
    try:
        params = TrainParams(**header["params"]).validate()
        words = arrays.pop("words").tobytes().decode("utf-8").split("\n")
        checkpoint = Checkpoint(params=params, words=words, info=header["info"],
                                **{name: arrays.get(name) for name in _ARRAYS})
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, W2VError) as e:
        raise corrupt(type(e).__name__) from None
    _check(checkpoint, corrupt)
    n_ids = checkpoint.info.get("n_ids")
    try:
        size = os.path.getsize(ids_path)
    except OSError:
        raise corrupt(f"{IDS} is missing") from None
    if size != 4 * n_ids:
        raise corrupt(f"{IDS} has {size} bytes, expected {4 * n_ids}")
    return checkpoint, ids_path


def _check(c: Checkpoint, corrupt) -> None:
    p = c.params
    vocab_size = len(c.words)
    threads = c.rng.shape[0] if c.rng is not None else 0
    expected = {
        "counts": ((vocab_size,), np.int64),
        "syn0": ((vocab_size + (0 if c.ngram_buckets is None else c.ngram_buckets.shape[0]), p.dim), np.float32),
        "epoch": ((1,), np.int64), "position": ((1,), np.int64),
        "rng": ((threads,), np.uint64), "words_done": ((threads,), np.int64),
        "stats": ((p.epochs, threads, 3), np.float64),
    }
    if p.negative > 0 and not p.tied:  # a tied run's output rows are syn0
        expected["syn1neg"] = ((vocab_size, p.dim), np.float32)
    if p.hs:
        expected["syn1"] = ((max(vocab_size - 1, 1), p.dim), np.float32)
    for name, (shape, dtype) in expected.items():
        array = getattr(c, name)
        if array is None or array.shape != shape or array.dtype != dtype:
            raise corrupt(f"{name} is {None if array is None else (array.dtype.str, array.shape)}")
    if threads < 1 or not isinstance(c.info.get("n_ids"), int) or not isinstance(c.info.get("n_words"), int):
        raise corrupt("thread state")
    if ((c.epoch < 0) | (c.epoch > p.epochs) | (c.position < 0) | (c.position > c.info["n_ids"])).any():
        raise corrupt("span cursor")


def remove(directory: str) -> None:
    """Delete a checkpoint directory: the commit point first, so a half-removed one is no checkpoint."""
    for name in (STATE, IDS):
        _unlink(os.path.join(directory, name))
    remove_stale_files(directory)
    try:
        os.rmdir(directory)
    except OSError:
        pass


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _reason(e: OSError) -> str:
    return (e.strerror or str(e)).lower()

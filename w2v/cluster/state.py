"""The checkpoint of a cluster run: ``MODEL.ckpt/cluster.npz``, beside where a single-machine run keeps its own.

Written at a full sync, when every worker holds the same model: the model once,
and each worker's cursor, random states, words done and loss sums, with the
shards it reads and a fingerprint of each corpus file. There is no ids file:
the corpus is on storage every node reads, and a resumed worker scans its shards
again. One NumPy zip, replaced atomically as the single-machine checkpoint is.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import asdict, dataclass, fields

import numpy as np

from w2v.cluster.schedule import SyncSchedule
from w2v.cluster.sharding import Shard
from w2v.errors import ModelError, W2VError
from w2v.training import checkpoint as ckpt
from w2v.training.params import TrainParams

STATE = "cluster.npz"
VERSION = 2  # 2: the changes averaged at N x alpha (1 added the cold rows' changes)
_STATE_ARRAYS = ("epoch", "position", "rng", "words_done", "stats")
_WEIGHTS = ("syn0", "syn1neg", "syn1")


@dataclass
class ClusterCheckpoint:
    params: TrainParams
    schedule: SyncSchedule
    words: list
    counts: np.ndarray
    weights: list  # syn0, syn1neg, syn1 (None where not trained)
    states: list  # one dict of arrays per worker (see w2v.cluster.worker.state_to_dict)
    shards: list
    groups: list  # each worker's shard indices
    files: list
    fingerprints: list
    info: dict


def has_checkpoint(directory: str) -> bool:
    return os.path.isfile(os.path.join(directory, STATE))


def fingerprints(files) -> list:
    return [ckpt.corpus_fingerprint(path) for path in files]


def save(directory: str, c: ClusterCheckpoint) -> None:
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise ModelError(f"cannot create the checkpoint directory {directory!r}: {e.strerror}") from None
    arrays = {name: w for name, w in zip(_WEIGHTS, c.weights) if w is not None}
    arrays["counts"] = c.counts
    for name in _STATE_ARRAYS:
        arrays[name] = np.stack([s[name] for s in c.states])
    header = {"version": VERSION, "params": {f.name: getattr(c.params, f.name) for f in fields(TrainParams)},
              "schedule": asdict(c.schedule), "shards": [[s.path, s.start, s.end] for s in c.shards],
              "groups": c.groups, "files": c.files, "fingerprints": c.fingerprints, "info": c.info}
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    arrays["words"] = np.frombuffer("\n".join(c.words).encode("utf-8"), dtype=np.uint8)
    ckpt._atomic_write(os.path.join(directory, STATE), lambda f: np.savez(f, **arrays))


def read_params(directory: str) -> TrainParams:
    return _read(directory, header_only=True)


def load(directory: str) -> ClusterCheckpoint:
    return _read(directory)


def _read(directory: str, header_only: bool = False):
    path = os.path.join(directory, STATE)
    if not os.path.isfile(path):
        raise ModelError(f"no cluster checkpoint to resume in {directory!r} (was the run started with this -o "
                         f"and --cluster?)")
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(data["header"].tobytes().decode("utf-8"))
            if header.get("version") != VERSION:
                raise ModelError(f"the checkpoint in {directory!r} was written by another version of w2v; "
                                 f"delete it to start over")
            params = TrainParams(**header["params"]).validate()
            if header_only:
                return params
            arrays = {name: data[name] for name in data.files}
        words = arrays["words"].tobytes().decode("utf-8").split("\n")
        weights = [arrays.get(name) for name in _WEIGHTS]
        n_workers = len(header["groups"])
        states = [{name: arrays[name][i] for name in _STATE_ARRAYS} for i in range(n_workers)]
        if weights[0] is None or weights[0].shape != (len(words), params.dim) or len(arrays["counts"]) != len(words):
            raise ValueError("weights")
        # a checkpoint from before the frequent words were slowed continues with every row at N x alpha
        return ClusterCheckpoint(params=params, schedule=SyncSchedule(**{"saturation": 0.0, **header["schedule"]}), words=words,
                                 counts=arrays["counts"], weights=weights, states=states,
                                 shards=[Shard(*s) for s in header["shards"]], groups=header["groups"],
                                 files=header["files"], fingerprints=header["fingerprints"], info=header["info"])
    except ModelError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, TypeError, IndexError, W2VError) as e:
        raise ModelError(f"checkpoint is corrupt ({type(e).__name__}): {path!r}; delete {directory!r} to start "
                         f"over") from None


def remove(directory: str) -> None:
    try:
        os.unlink(os.path.join(directory, STATE))
    except FileNotFoundError:
        pass
    ckpt.remove(directory)

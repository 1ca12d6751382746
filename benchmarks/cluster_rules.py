"""Accuracy of the sync rules on text8 (no timing): python benchmarks/cluster_rules.py EPOCHS CONFIGS_JSON.

One Ray instance for all the runs, e.g.
    python benchmarks/cluster_rules.py 1 '[{"workers": 0, "threads": 1}, {"workers": 2, "schedule": {"combine": "sum"}}]'
"""
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
import ray
from w2v.params import TrainParams
from w2v.train import train
from w2v.cluster import train as ctrain
from w2v.cluster.schedule import SyncSchedule
from benchmarks.cluster import score
corpus = os.environ.get("TEXT8", "/work/scratch/cluster/text8")
P = dict(cbow=True, epochs=int(sys.argv[1]), dim=100, window=5, negative=5, sample=1e-4, min_count=5, seed=1)
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}})
configs = json.loads(sys.argv[2])
for c in configs:
    t = time.time()
    if c.get("workers", 0) == 0:
        m = train(corpus, TrainParams(threads=c.get("threads", 2), **P), quiet=True)
    else:
        sched = SyncSchedule(**c.get("schedule", {}))
        m = ctrain([corpus], TrainParams(threads=1, **P), address="auto", workers=c["workers"], schedule=sched, quiet=True)
    s = score(m.vocab.words, m.vectors)
    print(json.dumps(c), f"analogy {100*s['analogy']:.2f} ws {s['ws353']:.3f} loss {m.stats['epoch_loss'][-1]:.4f} {time.time()-t:.0f}s", flush=True)

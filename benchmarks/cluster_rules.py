"""Accuracy of sync rules on text8, no timing: python benchmarks/cluster_rules.py EPOCHS cbow|sg CONFIGS_JSON.

One Ray instance for all the runs (each worker 1 thread; rounds are synchronous, so a run's result
does not depend on the machine's load), e.g.

    python benchmarks/cluster_rules.py 3 cbow '[{"workers": 0, "threads": 2},
        {"workers": 8, "schedule": {"every_words": 32768}},
        {"workers": 4, "schedule": {"scale_alpha": false}, "params": {"alpha": 0.1}}]'

"schedule" takes SyncSchedule's fields, "params" TrainParams'.
"""
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
import ray  # noqa: E402

from benchmarks.cluster import score  # noqa: E402
from w2v.cluster import train as train_on_cluster  # noqa: E402
from w2v.cluster.schedule import SyncSchedule  # noqa: E402
from w2v.training.params import TrainParams  # noqa: E402
from w2v.training.trainer import train  # noqa: E402

corpus = os.environ.get("TEXT8", "/work/scratch/cluster/text8")
epochs, mode = int(sys.argv[1]), sys.argv[2]
base = dict(cbow=mode == "cbow", epochs=epochs, dim=100, window=5, negative=5, sample=1e-4, min_count=5, seed=1)
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": {"PYTHONPATH": str(REPO), **{k: v for k, v in os.environ.items() if k.startswith("W2V_")}}})
for config in json.loads(sys.argv[3]):
    started = time.time()
    params = dict(base, **config.get("params", {}))
    if config.get("workers", 0) == 0:
        model = train(corpus, TrainParams(threads=config.get("threads", 2), **params), quiet=True)
    else:
        model = train_on_cluster([corpus], TrainParams(threads=1, **params), address="auto",
                                 workers=config["workers"], schedule=SyncSchedule(**config.get("schedule", {})),
                                 quiet=True)
    s = score(model.vocab.words, model.vectors)
    print(json.dumps(config), f"analogy {100 * s['analogy']:.2f} ws {s['ws353']:.3f} "
          f"loss {model.stats['epoch_loss'][-1]:.4f} {time.time() - started:.0f}s", flush=True)

"""Training on more than one machine, on Ray: ``w2v train CORPUS... --cluster ADDRESS --workers N``.

Only ``train --cluster`` imports this package, and only ``driver.train`` imports
Ray (an optional extra: ``pip install 'w2v[cluster]'``).

    sharding   the corpus files, cut into byte ranges at token boundaries
    counting   the vocabulary: shards counted by the streaming scanner, merged
    schedule   when workers sync and which rows they exchange
    worker     one replica trained by the kernels (a Ray actor's body)
    kernels    the single-machine updates with a learning rate for each row
    driver     Ray, the rounds, the syncs through the object store, restarts, stops
    state      the checkpoint of a cluster run
"""


def train(*args, **kwargs):
    """``w2v.cluster.driver.train``: see there."""
    from w2v.cluster.driver import train as train_on_cluster

    return train_on_cluster(*args, **kwargs)

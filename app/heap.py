"""The cyclic garbage collector, set for serving once start-up is over.

A contacts page makes some 2,000 dictionaries and lists, alive until its answer is encoded. With CPython's defaults
the collector ran a young collection every 700 net new container objects, so a page's objects were scanned once or
twice before they died anyway, and every few hundred pages a full collection walked the ~100,000 objects start-up
made (the schema, the models, the modules): 0.6 ms of CPU per page on average, 7% of a page's CPU on SQLite.

Once per process, after start-up (app.main's lifespan): what start-up made is frozen out of the collector's passes
(gc.freeze: reference counting still frees it, only cycles among it would stay), and the young generation's
threshold is raised, so a page's objects are freed by reference counting before a collection sees them. Cycles made
while serving are still collected.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # net new container objects between young collections (CPython's default: 700)

_settled = False


def settle() -> None:
    """Freezes what start-up made and raises the young threshold, the first time it is called in a process."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)

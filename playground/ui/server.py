"""What the web server does once, at start and at stop, not per session (app.py's st.App lifespan).

At start, before the server answers (its health check included): import torch and the library (the
first page no longer pays 5-7 s for them) and start the compute backend (a Ray pool takes a few seconds).
At stop (Ctrl-C, SIGTERM): shut the backend down, so a Ray started here leaves no process behind.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

log = logging.getLogger("playground")
PRELOAD = ("playground.experiment", "playground.ui.live")   # what every lab imports: data, models, training, plotly


@asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    import torch

    from playground.compute import backend

    for module in PRELOAD:
        importlib.import_module(module)

    torch.set_num_threads(1)   # small models on a shared 2-core server: one intra-op thread is fastest
    compute = await asyncio.to_thread(backend)
    log.info("compute backend: %s", compute.name)
    try:
        yield None
    finally:
        await asyncio.to_thread(compute.shutdown)

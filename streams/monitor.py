"""The worker's Faust monitor and its /metrics page.

Faust's Prometheus sensors (faust.sensors.prometheus) update a dozen labelled series on
every message, event, table read and write and send: 11.5 % of a worker's CPU in a
py-spy profile of the pipeline benchmark. Of all that, wirewatch used the rebalance
counts; the stages count and time their messages themselves (streams.metrics). This
monitor keeps Faust's plain one (which the consumer needs) and adds only those.
"""

from __future__ import annotations

from faust import web
from faust.sensors import Monitor
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from streams.metrics import REBALANCES, REBALANCING


class RebalanceMonitor(Monitor):
    def on_rebalance_start(self, app) -> dict:
        REBALANCING.set(1)
        return super().on_rebalance_start(app)

    def on_rebalance_end(self, app, state: dict) -> None:
        super().on_rebalance_end(app, state)
        REBALANCING.set(0)
        REBALANCES.inc()


async def metrics_page(view: web.View, request: web.Request) -> web.Response:
    # As a header: aiohttp refuses a content_type argument that carries a charset.
    return view.bytes(generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

"""Business metrics: what an operator watches (docs/deploy.md, Alarms), as CloudWatch
embedded metric format (EMF) printed by Powertools to the function's log.

Counted where a use case has succeeded, so a like that was already there, a replayed
request or a re-delivered pipeline event counts nothing. Namespace and service come
from POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME (set by CDK on every
function, and by the local runtime).

A count without dimensions joins the invocation's metric set, which the handler's
`@metrics.log_metrics` prints as one document with the `service` dimension. A count
with dimensions is printed at once as a document of its own: every metric in one
EMF document gets all of its dimensions, and a feed page's `source` must not become
a dimension of the ranker fallback counted in the same request. It is published
twice: by service alone (the total an alarm divides by) and by service and its
dimensions. Dimension values are a few fixed codes, never ids.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

# Not every invocation counts something (a GET, a validate step): an empty flush is
# expected, not news. Every handler imports this module through its domain services.
warnings.filterwarnings("ignore", message="No application metrics to publish")

_metrics = Metrics()


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Add `value` to metric `name` (a Count); zero is not published."""
    if value <= 0:
        return
    if not dimensions:
        _metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        return
    document = EphemeralMetrics()
    document.add_metric(name=name, unit=MetricUnit.Count, value=value)
    # The first dimension set is `service` (added when the document is serialized).
    service = {"service": str(document.service)} if document.service else {}
    document.add_dimensions(**service, **dimensions)
    document.flush_metrics()

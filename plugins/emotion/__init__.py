"""Built-in emotion metrics (MODEL.md section 8), contributed through the ``emotion_metric`` hook."""

from emergence.contract import hookimpl


@hookimpl
def emotion_metric(register):
    from . import metrics

    for metric in metrics.BUILTIN:
        register(metric.name, metric)

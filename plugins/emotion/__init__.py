"""Built-in emotion metrics (MODEL.md section 8), contributed through the ``register_emotion_metrics`` hook."""

from emergence.contract import hookimpl


@hookimpl
def register_emotion_metrics(register):
    from . import metrics

    for metric in metrics.BUILTIN:
        register(metric.name, metric)

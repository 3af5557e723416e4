import inspect
import logging

from celery.signals import task_postrun, task_prerun
from django.apps import AppConfig

from chatmedia.ops import logging as log_context


def _bind_task(sender=None, task_id=None, task=None, args=None, kwargs=None, **_) -> None:
    """Every log line of a task names it and the ids it works on (`attachment_id` → `attachment`)."""
    log_context.clear()
    fields = {"task": task.name if task else sender, "task_id": task_id}
    try:
        bound = inspect.signature(task.run).bind_partial(*(args or ()), **(kwargs or {}))
    except (TypeError, ValueError):
        bound = None
    if bound is not None:
        for name, value in bound.arguments.items():
            if name.endswith("_id"):
                fields[name.removesuffix("_id")] = value
    log_context.bind(**fields)


def _clear_task(**_) -> None:
    log_context.clear()


class OpsConfig(AppConfig):
    """Health and readiness probes, Prometheus metrics, structured logging."""

    name = "chatmedia.ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        logging.captureWarnings(True)  # Python warnings become JSON log lines (logger py.warnings)
        task_prerun.connect(_bind_task, weak=False)
        task_postrun.connect(_clear_task, weak=False)

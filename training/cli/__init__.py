"""The training package's commands: ``ragtune data``, ``ragtune train``, ``ragtune adapters``
and ``ragtune feedback``."""

from training.cli.adapters import adapters_app, build_adapters_app
from training.cli.data import data_app
from training.cli.feedback import feedback_app
from training.cli.train import train

__all__ = ["adapters_app", "build_adapters_app", "data_app", "feedback_app", "train"]

"""The training package's commands: ``ragtune data``, ``ragtune train`` and ``ragtune adapters``."""

from training.cli.adapters import adapters_app
from training.cli.data import data_app
from training.cli.train import train

__all__ = ["adapters_app", "data_app", "train"]

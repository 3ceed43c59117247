"""What ``ragtune train`` does: check the data, train the adapter, register it in the database.

Every refusal comes before the long part: a bad name or option, an adapter of that name
already registered (unless ``force``), a data check with errors.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generation import adapter_registry as registry
from generation.adapters import check_adapter_name
from generation.backends import adapters_dir
from ragtune.errors import InputError
from ragtune.resources import open_resources
from ragtune.settings import Settings
from training.data.checks import DataCheckOptions, check_data
from training.data.raft_check import check_raft_pairs
from training.data.report import DataCheckReport
from training.manifest import allowed_groups
from training.train import train_adapter
from training.train_config import TrainOptions, TrainResult


def train_and_register(
    settings: Settings,
    data: Path,
    name: str,
    options: TrainOptions,
    *,
    base: str | None = None,
    out: Path | None = None,
    force: bool = False,
    register: bool = True,
    progress: bool = False,
    on_checked: Callable[[DataCheckReport], None] | None = None,
) -> TrainResult:
    """Train adapter ``name`` from the Q&A file ``data`` into ``out`` (default: the adapters
    directory) and, with ``register``, record it in the registry (replacing it with ``force``).

    ``on_checked`` sees the data check's report before training starts. Errors: InputError,
    the model-loading errors, TrainingError (see training.train.train_adapter).
    """
    check_adapter_name(name)
    options.validate()
    out_dir = out or adapters_dir(settings) / name
    with open_resources(settings) as ctx:
        if register and registry.is_registered(ctx.db, name) and not force:
            raise InputError(
                f"An adapter named {name!r} is already registered",
                hint="choose another --name, or pass --force to replace it",
            )
        checked = check_data(
            data,
            ctx.embedder,
            DataCheckOptions(
                max_answer_tokens=settings.data_max_answer_tokens,
                near_duplicate_threshold=settings.data_near_duplicate_threshold,
                validation_fraction=settings.data_validation_fraction,
                seed=settings.data_split_seed,
            ),
            progress=progress,
        )
        if on_checked is not None:
            on_checked(checked.report)
        allowed_groups(checked)  # refuses pairs no single group may read, before training
        if options.data_format == "raft":
            check_raft_pairs([*checked.train, *checked.validation], data)
        result = train_adapter(
            checked,
            name,
            out_dir,
            state_dir=settings.resolved_state_dir(),
            base_model=base or settings.model,
            options=options,
            force=force,
            progress=progress,
            allow_download=settings.allow_model_download,
        )
        if register:
            record = registry.replace if force else registry.register
            record(ctx.db, result.path, result.manifest)
    return result

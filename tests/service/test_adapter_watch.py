"""Hot swap on a real base model and real adapters: a registry change is noticed with one
query, the newly active adapter is loaded before it is asked for, a removed or replaced one is
unloaded, and an answer in flight keeps its adapter until it is done."""

from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

from generation import adapter_registry as registry
from generation.adapters import MANIFEST, WEIGHTS
from generation.base_models import DEFAULT_MODEL
from generation.local_backend import LocalGenerator
from indexes.database import Database
from service.adapter_watch import AdapterWatch
from tests.support.lora_factory import make_adapter
from tests.support.model_fixtures import fresh_base


def _register(db: Database, folder: Path) -> None:
    manifest = json.loads((folder / MANIFEST).read_text())
    registry.register(db, folder, {**manifest, "method": "lora", "allowed_groups": ["everyone"]})


def test_a_promotion_is_loaded_and_a_removal_unloaded(
    db: Database, state_dir: Path, adapters_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "adapters"
    shutil.copytree(adapters_dir, folder)
    generator = LocalGenerator(fresh_base(state_dir), adapters_dir=folder)
    watch = AdapterWatch()
    try:
        assert watch.refresh(db, generator) and not watch.refresh(db, generator)
        _register(db, folder / "alpha")
        _register(db, folder / "beta")
        registry.activate(db, "alpha")
        assert watch.refresh(db, generator)
        assert generator.adapters.names == ["alpha"]  # loaded before any request asks for it

        # Replaced under the same name (train --force): the stale weights are dropped.
        registry.activate(db, "beta")
        assert watch.refresh(db, generator) and generator.adapters.names == ["alpha", "beta"]
        weights = (folder / "alpha" / WEIGHTS).read_bytes()
        (folder / "alpha" / WEIGHTS).write_bytes(weights)  # same bytes: nothing to do
        registry.replace(
            db,
            folder / "alpha",
            json.loads((folder / "alpha" / MANIFEST).read_text())
            | {"method": "lora", "allowed_groups": ["everyone"]},
        )
        assert watch.refresh(db, generator) and "alpha" in generator.adapters.names
        make_adapter(
            fresh_base(state_dir).model,
            tmp_path / "retrained",
            base_model=DEFAULT_MODEL,
            targets=["q_proj", "v_proj"],
            rank=4,
            seed=7,
        )
        shutil.copy(tmp_path / "retrained" / WEIGHTS, folder / "alpha" / WEIGHTS)
        registry.replace(
            db,
            folder / "alpha",
            json.loads((folder / "alpha" / MANIFEST).read_text())
            | {"method": "lora", "allowed_groups": ["everyone"]},
        )
        assert watch.refresh(db, generator) and "alpha" not in generator.adapters.names

        # An answer generating with beta holds the model; beta's removal waits for it.
        in_use = threading.Event()
        finished: list[str] = []

        def answer() -> None:
            with generator.adapters.use("beta") as model:
                in_use.set()
                time.sleep(0.5)
                finished.append(str(model.active_adapter))

        worker = threading.Thread(target=answer)
        worker.start()
        in_use.wait(10)
        registry.remove(db, "beta")
        assert watch.refresh(db, generator)
        worker.join()
        assert finished == ["beta"]  # it finished on the adapter it started with
        assert generator.adapters.names == []  # alpha was replaced, beta removed
    finally:
        generator.close()

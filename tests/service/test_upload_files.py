"""Upload name claims: one holder at a time across open files, and no lock file left behind."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from service.errors import UploadBusyError
from service.upload_files import CLAIMS_FOLDER, claim_name


def test_a_claim_refuses_a_second_holder_and_leaves_no_file_when_it_ends(tmp_path: Path) -> None:
    lock = tmp_path / CLAIMS_FOLDER / "docs" / "a.md"
    with claim_name(tmp_path, "docs", "a.md"):
        assert lock.is_file()
        with pytest.raises(UploadBusyError, match=r"'a\.md' in collection 'docs'"):
            claim_name(tmp_path, "docs", "a.md")
        with claim_name(tmp_path, "docs", "b.md"):  # another name is free
            pass
    assert list(lock.parent.iterdir()) == []
    with claim_name(tmp_path, "docs", "a.md"):  # and the name is free again
        assert lock.is_file()


def test_the_lock_file_a_dead_process_left_is_claimed_and_then_removed(tmp_path: Path) -> None:
    # A process that dies holding a claim loses its lock but leaves its file.
    lock = tmp_path / CLAIMS_FOLDER / "docs" / "a.md"
    lock.parent.mkdir(parents=True)
    lock.touch()
    with claim_name(tmp_path, "docs", "a.md"):
        with pytest.raises(UploadBusyError):
            claim_name(tmp_path, "docs", "a.md")
    assert not lock.exists()


def test_claims_racing_for_one_name_never_hold_it_together(tmp_path: Path) -> None:
    """Each claim's file is removed as the claim ends, while others may have it open: a lock
    taken on a removed file must not count, or two claimants would hold the name at once."""
    holders: list[int] = []
    overlaps: list[int] = []
    taken = [0]
    guard = threading.Lock()
    stop = time.monotonic() + 3

    def contend() -> None:
        while time.monotonic() < stop:
            try:
                claim = claim_name(tmp_path, "docs", "same.md")
            except UploadBusyError:
                continue
            with claim:
                with guard:
                    holders.append(1)
                    taken[0] += 1
                    if len(holders) > 1:
                        overlaps.append(len(holders))
                time.sleep(0.0005)
                with guard:
                    holders.pop()

    threads = [threading.Thread(target=contend) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken[0] > 50  # the race ran: the name changed hands many times
    assert overlaps == []
    assert list((tmp_path / CLAIMS_FOLDER / "docs").iterdir()) == []

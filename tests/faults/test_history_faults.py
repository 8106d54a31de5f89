"""The history under real faults: a full disk, a lock held by another process, a
read-only folder, a file of another program, damage twice in a second, and two
processes creating it at once. Only damage may move a file aside."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from scribble_studio.domain.errors import HistoryLocked, HistoryUnavailable
from scribble_studio.services.history import HistoryStore
from tests.faults.conftest import cli, fill, history_with, snapshot


def corrupt_copies(folder: Path) -> list[Path]:
    return sorted(folder.glob("history.sqlite3.corrupt-*"))


def test_a_full_disk_is_a_message_and_the_history_stays(small_disk: Path) -> None:
    history_with(small_disk, 5)
    filler = fill(small_disk)
    done = cli("history", "list", home=small_disk)
    assert done.returncode == 2, done.stderr
    assert "is full" in done.stderr and "Traceback" not in done.stderr
    assert "empty" not in done.stderr
    assert corrupt_copies(small_disk) == []
    filler.unlink()
    again = cli("history", "list", home=small_disk)
    assert again.returncode == 0, again.stderr
    assert len(again.stdout.splitlines()) == 5


def test_a_full_disk_raises_history_unavailable_from_the_store(small_disk: Path) -> None:
    history_with(small_disk, 2)
    fill(small_disk)
    store = HistoryStore(small_disk)
    with pytest.raises(HistoryUnavailable) as caught:
        store.open()
    assert caught.value.exit_code == 2 and "Free some disk space" in caught.value.action
    assert corrupt_copies(small_disk) == []


def test_a_database_locked_by_another_process_is_a_message(
        tmp_path: Path, lock_database: Any) -> None:
    home = tmp_path / "home"
    history_with(home, 3)
    holder = lock_database(home / "history.sqlite3")
    done = cli("history", "list", home=home)  # waits out the busy timeout, then says so
    assert done.returncode == HistoryLocked.exit_code == 75, done.stderr
    assert "locked by another program" in done.stderr and "Traceback" not in done.stderr
    assert corrupt_copies(home) == []
    holder.release()
    again = cli("history", "list", home=home)
    assert again.returncode == 0 and len(again.stdout.splitlines()) == 3, again.stderr


def test_a_read_only_data_folder_is_a_message_and_nothing_moves(
        tmp_path: Path, make_read_only: Any) -> None:
    home = tmp_path / "home"
    history_with(home, 2)
    before = snapshot(home)
    make_read_only(home)
    done = cli("history", "list", home=home)
    assert done.returncode == 2, done.stderr
    assert "read-only" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(home) == before


def test_a_read_only_empty_data_folder_is_a_message(tmp_path: Path, make_read_only: Any) -> None:
    home = tmp_path / "home"
    home.mkdir()
    make_read_only(home)
    done = cli("outbox", "list", home=home)
    assert done.returncode == 2 and "read-only" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_database_of_another_program_is_refused_untouched(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    other = sqlite3.connect(home / "history.sqlite3")
    other.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    other.execute("INSERT INTO notes (text) VALUES ('mine')")
    other.commit()
    other.close()
    before = snapshot(home)
    done = cli("history", "list", home=home)
    assert done.returncode == 2, done.stderr
    assert "another program" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(home) == before


def test_two_damaged_files_in_one_second_keep_both_copies(tmp_path: Path) -> None:
    for damage in (b"first damage " * 400, b"second damage " * 400):
        (tmp_path / "history.sqlite3").write_bytes(damage)
        store = HistoryStore(tmp_path)
        assert store.recovered_from is not None
        store.close()
        for extra in ("-wal", "-shm"):
            (tmp_path / f"history.sqlite3{extra}").unlink(missing_ok=True)
    kept = {p.read_bytes()[:13] for p in corrupt_copies(tmp_path)}
    assert kept == {b"first damage ", b"second damage"}


def test_only_damage_moves_a_file_aside(tmp_path: Path) -> None:
    (tmp_path / "history.sqlite3").write_bytes(b"not a database " * 100)
    store = HistoryStore(tmp_path)
    assert store.recovered_from is not None and store.count() == 0
    done = cli("history", "list", home=tmp_path)
    assert done.returncode == 0 and corrupt_copies(tmp_path) == [store.recovered_from]
    store.close()


_OPENER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from scribble_studio.services.history_db import open_database
    sys.stdin.readline()  # all start together
    db, moved = open_database(Path(sys.argv[1]))
    print("moved" if moved else "sound", flush=True)
""")


@pytest.mark.parametrize("round_", range(8))
def test_processes_creating_the_history_at_once_never_move_it_aside(
        tmp_path: Path, round_: int) -> None:
    path = tmp_path / "history.sqlite3"
    children = [subprocess.Popen([sys.executable, "-c", _OPENER, str(path)], text=True,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE) for _ in range(4)]
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = [child.communicate(timeout=60) for child in children]
    assert [out.strip() for out, _ in results] == ["sound"] * 4, results
    assert corrupt_copies(tmp_path) == []


def test_a_database_file_that_cannot_be_written_is_a_message(
        tmp_path: Path, make_read_only: Any) -> None:
    home = tmp_path / "home"
    history_with(home, 2)
    before = snapshot(home)
    make_read_only(home / "history.sqlite3")  # the file alone; its folder stays writable
    done = cli("history", "list", home=home)  # SQLite would open it read-only, silently
    assert done.returncode == 2, done.stderr
    assert "read-only" in done.stderr and "Traceback" not in done.stderr
    # (an empty -wal and its index may appear beside it: the folder is writable)
    after = snapshot(home)
    assert after["history.sqlite3"] == before["history.sqlite3"]
    assert corrupt_copies(home) == []

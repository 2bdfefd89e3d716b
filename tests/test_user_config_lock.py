"""Two ``models add`` at once both keep their entry: the config's read-modify-write is held by a
lock across processes (``user_config.config_locked``), not only across threads."""

import multiprocessing
import time

from boundary_core.models.user_config import config_locked, read_raw_entries, write_config

WRITERS, ROUNDS = 4, 10


def _append(path, writer: int) -> None:
    for round_ in range(ROUNDS):
        with config_locked(path):
            entries = read_raw_entries(path)
            time.sleep(0.002)  # another process reading now would lose this entry without a lock
            write_config(path, [*entries, {"name": f"w{writer}-{round_}"}])


def test_concurrent_processes_keep_every_entry(tmp_path):
    path = tmp_path / "models.json"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append, args=(path, w)) for w in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    names = sorted(entry["name"] for entry in read_raw_entries(path))
    assert names == sorted(f"w{w}-{r}" for w in range(WRITERS) for r in range(ROUNDS))

"""Extraction in a child process: the same records as in the worker's own process, a child
that dies is replaced, and a child never outlives its worker."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import textwrap

import psutil
import pytest

from agents.logic.extract import Extractor, extract_article, load_nlp
from streams.settings import Settings, settings
from tests.unit.test_extract import article

BODY = (
    "MAKHACHKALA, April 21 - Security forces killed two militants in Buinaksk on Sunday, "
    "the National Antiterrorism Committee said. Police said the men had attacked a checkpoint."
)


def extraction_children(pid: int | None = None) -> list[psutil.Process]:
    # multiprocessing also starts a resource tracker; the pool's processes run spawn_main.
    return [proc for proc in psutil.Process(pid).children() if "spawn_main" in " ".join(proc.cmdline())]


def test_a_child_extracts_what_the_worker_would_and_is_replaced_when_it_dies():
    clean = article(BODY, dateline="MAKHACHKALA")
    expected = extract_article(clean, load_nlp(settings.spacy_model))

    async def scenario() -> tuple[list[dict], list[dict], list[psutil.Process]]:
        extractor = Extractor(settings.spacy_model, in_child=True)
        await extractor.start()
        try:
            before = await asyncio.gather(*(extractor.submit(clean) for _ in range(3)))
            killed = extraction_children()
            for proc in killed:
                proc.kill()
            psutil.wait_procs(killed, timeout=10)
            after = await asyncio.gather(*(extractor.submit(clean) for _ in range(3)))
        finally:
            extractor.stop()
        return before, after, killed

    before, after, killed = asyncio.run(scenario())
    assert len(killed) == 1
    assert before == [expected] * 3
    assert after == [expected] * 3


def test_in_the_workers_own_process_it_extracts_the_same_and_reports_failures_as_it_goes():
    clean = article(BODY, dateline="MAKHACHKALA")
    expected = extract_article(clean, load_nlp(settings.spacy_model))

    async def scenario() -> tuple[dict, BaseException | None]:
        extractor = Extractor(settings.spacy_model, in_child=False)
        await extractor.start()
        record = await extractor.submit(clean)
        try:
            await extractor.submit({"article_id": "no-body", "language": "en", "fingerprint": "f"})
        except KeyError as exc:
            return record, exc
        return record, None

    record, failure = asyncio.run(scenario())
    assert record == expected
    assert isinstance(failure, KeyError)


WORKER = textwrap.dedent(
    """
    import asyncio
    from agents.logic.extract import Extractor
    from tests.unit.test_extraction_runner import extraction_children

    async def main():
        extractor = Extractor({model!r}, in_child=True)
        await extractor.start()
        print(*[proc.pid for proc in extraction_children()], flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


def test_the_child_exits_when_its_worker_is_killed():
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER.format(model=settings.spacy_model)], stdout=subprocess.PIPE, text=True
    )
    try:
        child = psutil.Process(int(worker.stdout.readline()))
        assert child.is_running()
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        gone, alive = psutil.wait_procs([child], timeout=10)
    finally:
        worker.kill()
    assert gone and not alive


WORKER_MODULES = textwrap.dedent(
    """
    import asyncio, importlib, sys
    from streams.cli import STAGE_MODULES, WEB_MODULES

    for module in (*STAGE_MODULES.values(), *WEB_MODULES):
        importlib.import_module(module)
    from agents.logic.extract import Extractor

    async def main():
        extractor = Extractor({model!r}, in_child=True)
        await extractor.start()
        record = await extractor.submit({clean!r})
        extractor.stop()
        print(len(record["events"]), sorted(name for name in sys.modules if name.split(".")[0] == "spacy"))

    asyncio.run(main())
    """
)


def test_a_worker_that_extracts_in_its_child_never_imports_spacy_itself():
    clean = article(BODY, dateline="MAKHACHKALA")
    script = WORKER_MODULES.format(model=settings.spacy_model, clean=clean)
    printed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    events, spacy_modules = printed.stdout.split(" ", 1)
    assert int(events) >= 1
    assert spacy_modules.strip() == "[]"


def test_the_flag_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("WIREWATCH_EXTRACT_IN_CHILD", "0")
    assert Settings().extract_in_child is False
    monkeypatch.setenv("WIREWATCH_EXTRACT_IN_CHILD", "maybe")
    with pytest.raises(ValueError, match="WIREWATCH_EXTRACT_IN_CHILD"):
        Settings()

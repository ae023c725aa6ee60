"""The garbage collector paused while a vote closes (bot/collector.py): overlapping blocks in
one event loop, and a collector that was off before stays off."""

from __future__ import annotations

import asyncio
import gc

from bot.collector import collector_paused


async def test_overlapping_blocks_resume_the_collector_once_the_last_ends() -> None:
    assert gc.isenabled()
    first_in, second_in = asyncio.Event(), asyncio.Event()
    seen: list[bool] = []

    async def first() -> None:
        with collector_paused():
            first_in.set()
            await second_in.wait()
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())  # the second is still inside

    async def second() -> None:
        await first_in.wait()
        with collector_paused():
            second_in.set()
            await asyncio.sleep(0.01)
            seen.append(gc.isenabled())

    await asyncio.gather(first(), second())
    assert seen == [False, False, False]
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_runs_again_after_an_error() -> None:
    try:
        with collector_paused():
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()

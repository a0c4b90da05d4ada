"""@stream and @defer: the frames after the first get what the extensions gave the first one.

Strawberry 0.341's HTTP views send graphql-core's later frames after the operation's extension
hooks have ended, and without calling MaskErrors' on_stream_result. Unwrapped, an exception raised
mid-stream would reach the client with its text (SQL, personal data), and personal fields resolved
late (a deferred fragment, a streamed item) would escape the VIEW_PERSONAL log.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing

from graphql import SubsequentIncrementalExecutionResult

from schema.context import Context
from schema.errors import ErrorCodes
from schema.view_log import write_views

log = logging.getLogger("alveole.audit")

Frames = AsyncGenerator[SubsequentIncrementalExecutionResult, None]


async def later_frames(frames: Frames, context: Context) -> Frames:
    codes = ErrorCodes()
    async with aclosing(frames):
        async for frame in frames:
            for _ in codes.on_stream_result(frame):  # a generator hook: running it codes the frame's errors
                pass
            try:
                await write_views(context)  # before the frame that reveals them leaves
            except Exception as error:  # noqa: BLE001 - unaudited personal data is never sent
                log.error("could not record VIEW_PERSONAL events mid-stream: %s", type(error).__name__)
                return
            yield frame

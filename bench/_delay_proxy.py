"""A loopback TCP proxy that delays every chunk: a nearby server made to feel 50–80 ms away.

Each direction of each connection delays its chunks by a random 25–40 ms
(so a request and its answer take 50–80 ms more), in order. It listens on
127.0.0.1 only and forwards to one loopback address; it runs in a thread
with its own event loop until ``close()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from types import TracebackType

__all__ = ["DelayProxy"]


class DelayProxy:
    """``DelayProxy(port_of_server)``; ``.port`` is where to connect instead; a context manager."""

    def __init__(self, target_port: int, *, low_ms: float = 25, high_ms: float = 40, seed: int = 0) -> None:
        self.target_port = target_port
        self.low, self.high = low_ms / 1000, high_ms / 1000
        self._random = random.Random(seed)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.Server | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._run, name="delay-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the delay proxy did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            try:
                server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
            except OSError:
                client_w.close()
                return
            await asyncio.gather(self._pipe(client_r, server_w), self._pipe(server_r, client_w))
        except asyncio.CancelledError:
            # Closing the proxy cancels its connections; ending quietly here keeps asyncio's stream
            # callback from logging each cancelled handler as an error.
            client_w.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        async def send() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = asyncio.create_task(send())
        try:
            while data := await reader.read(65536):
                await queue.put((loop.time() + self._random.uniform(self.low, self.high), data))
        except (ConnectionError, OSError):
            pass
        await queue.put((0.0, b""))
        with contextlib.suppress(ConnectionError, OSError):
            await sender

    def close(self) -> None:
        """Stop listening, end every connection, stop the thread."""

        async def stop() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._loop.stop()

        asyncio.run_coroutine_threadsafe(stop(), self._loop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self._loop.close()

    def __enter__(self) -> DelayProxy:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

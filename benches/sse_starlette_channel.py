"""The sse-starlette peer of channel-bench: one channel fanned out to every subscriber the way
sse-starlette's users do it, with the `broadcaster` package on Redis (pub/sub).

    python3 sse_starlette_channel.py redis://127.0.0.1:6391/

Prints its address twice (channel-bench reads a subscribe address and a trigger address; one
server answers both): `GET /` subscribes to the channel `bench`, `POST /publish?n=E` publishes
E events of 64 bytes and then `end` through Redis, awaiting each publish.
"""
import asyncio
import contextlib
import socket
import sys

import uvicorn
from broadcaster import Broadcast
from broadcaster._backends.redis import RedisBackend
from sse_starlette.sse import EventSourceResponse
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route



class ListeningRedisBackend(RedisBackend):
    """broadcaster 0.3.1's Redis backend, with its listener started after the subscription.

    Its `subscribe` wakes the listener before the SUBSCRIBE is confirmed; the listener then
    finds no channel subscribed yet (redis-py records it once Redis answers), its `listen()`
    ends at once, and it waits for a next `subscribe`, which `Broadcast` only makes for a
    channel nobody listens to: every message of the channel is lost. Waking it after the
    SUBSCRIBE, as here, is the fix a user of the package has to make.
    """

    async def subscribe(self, channel: str) -> None:
        await self._pubsub.subscribe(channel)
        self._ready.set()


broadcast = Broadcast(
    backend=ListeningRedisBackend(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/")
)
PAYLOAD = "x" * 64


async def subscribe(request):
    async def events():
        async with broadcast.subscribe(channel="bench") as subscriber:
            async for event in subscriber:
                yield {"data": event.message}

    return EventSourceResponse(events())


async def publish_all(events):
    for n in range(events):
        await broadcast.publish(channel="bench", message=f"{n} {PAYLOAD}")
    await broadcast.publish(channel="bench", message="end")


# The event loop keeps only weak references to its tasks: a publishing task nobody holds may
# be collected before it is done.
publishing = set()


async def publish(request):
    events = int(request.query_params.get("n", "0"))
    task = asyncio.get_running_loop().create_task(publish_all(events))
    publishing.add(task)
    task.add_done_callback(publishing.discard)
    return Response(status_code=202)


@contextlib.asynccontextmanager
async def lifespan(app):
    await broadcast.connect()
    yield
    await broadcast.disconnect()


app = Starlette(
    routes=[Route("/", subscribe), Route("/publish", publish, methods=["POST"])],
    lifespan=lifespan,
)

if __name__ == "__main__":
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16384)
    address = "%s:%d" % listener.getsockname()
    print(address, address, sep="\n", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", backlog=16384))
    server.run(sockets=[listener])

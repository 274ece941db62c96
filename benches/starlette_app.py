"""The Starlette peer of the load benchmarks: the same routes as bench-server."""
import os

from starlette.applications import Starlette
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse
from starlette.routing import Route

FILE = os.environ.get("BENCH_FILE", "/tmp/respond-bench-64m.bin")
SMALL = os.path.join(os.environ.get("BENCH_STATIC", "/tmp/respond-bench-static"), "small.css")


async def plain(request):
    return PlainTextResponse("Hello, world!")


async def json(request):
    return JSONResponse({"message": "Hello, world!"})


async def file(request):
    return FileResponse(FILE)


async def small(request):
    return FileResponse(SMALL)


app = Starlette(routes=[Route("/plain", plain), Route("/json", json), Route("/file", file),
                          Route("/small", small)])

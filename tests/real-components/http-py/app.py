"""A wasi:http/proxy handler for the `wasmtime serve` tests.

Routes: `/echo` answers with the request body (and `x-method`), `/trap`
raises (the guest traps), `/big?n=N` streams N bytes, `/proxy` forwards a
GET to the authority in `x-upstream` (wasi:http outgoing-handler), and
anything else says hello with the path.
"""

from wit_world import exports
from wit_world.imports import outgoing_handler, poll, streams
from wit_world.imports.types import (
    Fields, IncomingRequest, OutgoingBody, OutgoingRequest, OutgoingResponse,
    ResponseOutparam, Method_Get, Method_Post, Scheme_Http,
)
from componentize_py_types import Ok, Err


def read_all(body_owner) -> bytes:
    body = body_owner.consume()
    stream = body.stream()
    data = b""
    while True:
        try:
            data += stream.blocking_read(65536)
        except Err as e:
            if isinstance(e.value, streams.StreamError_Closed):
                break
            raise
    stream.__exit__(None, None, None)
    type(body).finish(body)
    return data


def respond(response_out, status: int, headers, data: bytes, chunk: int = 4096):
    response = OutgoingResponse(Fields.from_list(headers))
    response.set_status_code(status)
    body = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    stream = body.write()
    for i in range(0, len(data), chunk):
        stream.blocking_write_and_flush(data[i:i + chunk])
    stream.__exit__(None, None, None)
    OutgoingBody.finish(body, None)


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam):
        path = request.path_with_query() or "/"
        if path.startswith("/echo"):
            method = request.method()
            name = "POST" if isinstance(method, Method_Post) else type(method).__name__
            data = read_all(request)
            respond(response_out, 200, [("x-method", name.encode())], data)
        elif path.startswith("/trap"):
            raise Exception("this request traps")
        elif path.startswith("/big"):
            n = int(path.split("n=")[1]) if "n=" in path else 1 << 20
            respond(response_out, 200, [("content-type", b"application/octet-stream")],
                    bytes(i % 251 for i in range(n)))
        elif path.startswith("/proxy"):
            upstream = request.headers().get("x-upstream")[0].decode()
            req = OutgoingRequest(Fields())
            req.set_method(Method_Get())
            req.set_scheme(Scheme_Http())
            req.set_authority(upstream)
            req.set_path_with_query("/upstream")
            future = outgoing_handler.handle(req, None)
            while True:
                result = future.get()
                if result is not None:
                    break
                poll.poll([future.subscribe()])
            inner = result.value
            if isinstance(inner, Err):
                respond(response_out, 502, [], repr(inner.value).encode())
                return
            resp = inner.value
            data = read_all(resp)
            respond(response_out, 200, [("x-upstream-status", str(resp.status()).encode())], data)
        else:
            respond(response_out, 200, [("content-type", b"text/plain")],
                    f"hello from python at {path}\n".encode())

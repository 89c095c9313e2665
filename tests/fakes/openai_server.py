"""A local OpenAI-compatible chat-completions server that replays scripted replies.

Each script step is a function of the request body (the messages so far) returning the
assistant message: ``{"content": ...}`` or ``{"tool_calls": [(name, arguments), ...]}``.
The real ``openai`` SDK talks to it over real HTTP; every request body is recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Step = Callable[[dict[str, Any]], dict[str, Any]]


def tool_calls(*calls: tuple[str, dict[str, Any]]) -> Step:
    return lambda _body: {"tool_calls": list(calls)}


def answer(content: str | Callable[[dict[str, Any]], str]) -> Step:
    return lambda body: {"content": content(body) if callable(content) else content}


def _completion(message: dict[str, Any], index: int, usage: tuple[int, int]) -> dict[str, Any]:
    calls = [
        {
            "id": f"call_{index}_{i}",
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)},
        }
        for i, (name, args) in enumerate(message.get("tool_calls", []))
    ]
    return {
        "id": f"chatcmpl-{index}",
        "object": "chat.completion",
        "created": 0,
        "model": "scripted-model",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls" if calls else "stop",
                "message": {
                    "role": "assistant",
                    "content": message.get("content"),
                    **({"tool_calls": calls} if calls else {}),
                },
            }
        ],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": usage[0] + usage[1],
        },
    }


class ScriptedServer:
    def __init__(self, script: list[Step], usage: tuple[int, int] = (1000, 100)) -> None:
        self.script = list(script)
        self.usage = usage
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                index = len(server.requests) - 1
                if index >= len(server.script):
                    payload = {"error": {"message": "script exhausted", "type": "test"}}
                    status = 500
                else:
                    payload = _completion(server.script[index](body), index, server.usage)
                    status = 200
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"


@contextmanager
def scripted_server(
    script: list[Step], usage: tuple[int, int] = (1000, 100)
) -> Iterator[ScriptedServer]:
    server = ScriptedServer(script, usage)
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()

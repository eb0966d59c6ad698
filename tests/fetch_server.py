"""A scripted HTTP server on 127.0.0.1 for the fetcher's tests: it plays, per (date, page),
a list of replies in order (the last one repeats), and misbehaves when told to."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"[]"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0  # seconds before answering
    etag: str | None = None  # sent; a request whose If-None-Match matches gets a 304
    cut_short: int = 0  # bytes promised by Content-Length but never sent
    no_length: bool = False  # no Content-Length: the body runs until the connection closes


def daily_item(arxiv_id: str, title: str, day: str, upvotes: int = 3) -> dict:
    """A daily-list item shaped like the API's from 2025-03-17 on (submittedOnDailyAt)."""
    return {
        "paper": {
            "id": arxiv_id,
            "authors": [{"_id": "a1", "name": "Ada Lovelace", "hidden": False}],
            "publishedAt": f"{day}T09:00:00.000Z",
            "submittedOnDailyAt": f"{day}T02:31:00.000Z",
            "title": title,
            "summary": f"We study {title.lower()} and report results.",
            "upvotes": upvotes,
            "discussionId": "d" + arxiv_id,
            "githubRepo": "https://github.com/example/" + arxiv_id.replace(".", "-"),
            "ai_keywords": ["retrieval", "agents"],
        },
        "publishedAt": f"{day}T09:00:00.000Z",
        "title": title,
        "summary": f"We study {title.lower()} and report results.",
        "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv_id}.png",
        "numComments": 1,
        "submittedBy": {"_id": "u1", "user": "akhaliq", "fullname": "AK", "type": "user"},
        "isAuthorParticipating": False,
    }


def daily_body(day: str, *ids: str, upvotes: int = 3) -> bytes:
    items = [daily_item(i, f"Paper {i}", day, upvotes) for i in ids]
    return json.dumps(items, indent=1).encode()


class FakeHF:
    def __init__(self) -> None:
        self.scripts: dict[tuple[str, int], list[Reply]] = {}
        self.paths: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.url = ""
        self._lock = threading.Lock()

    def day(self, date: str, page: int, *replies: Reply) -> None:
        self.scripts[(date, page)] = list(replies)

    def requests_for(self, date: str) -> list[tuple[str, dict[str, str]]]:
        return [r for r in self.requests if f"date={date}" in r[0]]

    def next_reply(self, path: str) -> Reply:
        with self._lock:
            parts = urlsplit(path)
            query = parse_qs(parts.query)
            key = (query.get("date", [""])[0], int(query.get("p", ["0"])[0]))
            queue = self.paths.get(parts.path) or self.scripts.get(key) or [Reply()]
            return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler(fake: FakeHF) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            fake.requests.append((self.path, dict(self.headers)))
            reply = fake.next_reply(self.path)
            with suppress(BrokenPipeError, ConnectionResetError):
                time.sleep(reply.delay)
                if reply.etag and self.headers.get("If-None-Match") == reply.etag:
                    self.send_response(304)
                    self.send_header("ETag", reply.etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.etag:
                    self.send_header("ETag", reply.etag)
                if not reply.no_length:
                    self.send_header("Content-Length", str(len(reply.body) + reply.cut_short))
                self.end_headers()
                self.wfile.write(reply.body)

    return Handler


@contextmanager
def serve() -> Iterator[FakeHF]:
    fake = FakeHF()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True  # a handler still sleeping never blocks the test's end
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

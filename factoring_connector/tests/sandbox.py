"""A factor on 127.0.0.1 for the tests: takes batches over real HTTP,
rejects the documents it is told to, times out when asked, and answers a
submission sent again with the same idempotency key with its first answer."""

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_KEY = "factor-sandbox-key-0001"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status, data):
        body = json.dumps(data).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout test)

    def do_POST(self):
        factor = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        key = self.headers.get("Idempotency-Key") or ""
        with factor.lock:
            factor.calls.append((self.path, key))
            fault = factor.faults.pop(0) if factor.faults else None
            if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                status, data = 401, {"message": "invalid key"}
            elif self.path != "/batches":
                status, data = 404, {"message": self.path}
            elif key in factor.answers:
                status, data = factor.answers[key]
            else:
                status, data = factor.take(body)
                factor.answers[key] = (status, data)
        if fault == "timeout":
            # Processed, but the answer comes after the client's timeout.
            time.sleep(factor.timeout_delay)
        elif fault in (429, 500, 503):
            status, data = fault, {"message": "try again"}
        self._send(status, data)


class FactorSandbox(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.lock = threading.Lock()
        self.timeout_delay = 10.5  # Odoo's tests raise client timeouts to 10 s
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.reset()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

    def reset(self):
        with self.lock:
            self.calls, self.faults, self.answers = [], [], {}
            self._ids = itertools.count(1)
            self.submissions = []  # batches taken (one per idempotency key)
            self.reject = {}  # document number -> reason

    def take(self, body):
        documents = body.get("documents") or []
        if sum(d.get("amountCents", 0) for d in documents) != body.get("balanceCents"):
            return 422, {"message": "balance does not match the documents"}
        self.submissions.append(body)
        rejected = [
            {"number": d["number"], "reason": self.reject[d["number"]]}
            for d in documents
            if d.get("number") in self.reject
        ]
        status = "partially_accepted" if rejected else "accepted"
        return 201, {
            "submissionId": f"S{next(self._ids):05d}",
            "status": status,
            "rejected": rejected,
        }

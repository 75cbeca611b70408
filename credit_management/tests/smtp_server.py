"""A small SMTP server on 127.0.0.1 that refuses every recipient, for tests
of undelivered reminders: Odoo's real mail code talks to it over a socket."""

import socketserver
import threading


class _RefusingHandler(socketserver.StreamRequestHandler):
    def _reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self._reply("220 localhost ESMTP test server")
        for raw in self.rfile:
            command = raw.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self._reply("250-localhost")
                self._reply("250 8BITMIME")
            elif command.startswith("RCPT"):
                self.server.refused.append(command)
                self._reply("550 5.1.1 Mailbox unavailable")
            elif command.startswith("DATA"):
                self._reply("554 5.5.1 No valid recipients")
            elif command.startswith("QUIT"):
                self._reply("221 Bye")
                return
            else:  # MAIL FROM, RSET, NOOP
                self._reply("250 OK")


class RefusingSMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _RefusingHandler)
        self.refused = []
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()

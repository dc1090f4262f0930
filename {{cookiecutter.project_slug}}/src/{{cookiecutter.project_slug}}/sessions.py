"""Flask's signed-cookie sessions, with no cost for a request that brings no session cookie.

Flask's own interface builds its signing serializer (a key derivation and a JSON round trip) at the
start of every request, with or without a cookie to read: for a 404, more than the rest of its
error handling. Here a request without the cookie gets its new, empty session at once; a request
with one, and every session a view sets, go through Flask's interface unchanged.

Whether any cookie came is asked of the ``Cookie`` header first, one lookup: Werkzeug's
``request.cookies`` finds that header by reading every header of the request, even when none of
them is a cookie.
"""

from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask.wrappers import Request


class SessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and (
            "Cookie" not in request.headers or self.get_cookie_name(app) not in request.cookies
        ):
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()

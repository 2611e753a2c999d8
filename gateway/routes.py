"""The gateway's own routes: setting the HttpOnly login cookie from a nonce, and deleting it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gateway import login_cookie
from gateway.middleware import origin_of, own_origin
from gateway.origin import same_origin
from model.core.security_log import security_event
from model.core.settings import get_settings

MAX_NONCE_BYTES = 200


def _refused(request: Request) -> Response | None:
    """Only the app's own pages may call these routes."""
    if same_origin(origin_of(request.scope), own_origin(request.scope)):
        return None
    security_event("origin_refused", origin=origin_of(request.scope) or "(keiner)", path=request.url.path)
    return PlainTextResponse("Nicht erlaubt.", status_code=403)


def _secure(request: Request) -> bool:
    expected = own_origin(request.scope) or ""
    return expected.startswith("https://")


async def set_login_cookie(request: Request) -> Response:
    refused = _refused(request)
    if refused is not None:
        return refused
    nonce = (await request.body())[:MAX_NONCE_BYTES].decode("ascii", errors="replace").strip()
    pending = login_cookie.redeem(nonce)
    if pending is None:
        return PlainTextResponse("Unbekannt oder abgelaufen.", status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        get_settings().cookie_name,
        pending.token,
        expires=pending.expires,
        path="/",
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )
    return response


async def delete_login_cookie(request: Request) -> Response:
    refused = _refused(request)
    if refused is not None:
        return refused
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(
        get_settings().cookie_name, path="/", secure=_secure(request), httponly=True, samesite="strict"
    )
    return response


def gateway_routes() -> list[Route]:
    return [
        Route(login_cookie.LOGIN_PATH, set_login_cookie, methods=["POST"]),
        Route(login_cookie.LOGOUT_PATH, delete_login_cookie, methods=["POST"]),
    ]

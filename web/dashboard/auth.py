"""Login and logout: argon2 via storage, Flask-Login sessions, a brute-force limit.

The session is cleared at login (a fresh CSRF token and nothing carried over from before), and
unknown usernames get the same answer, at the same cost, as wrong passwords.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from werkzeug.wrappers import Response

from moderation.storage import Moderator, Role, moderators

from .. import db
from ..limits import client_address, limiter

bp = Blueprint("dashboard_auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "dashboard_auth.login"
login_manager.login_message = ""
login_manager.session_protection = "strong"
LOGIN_FAILED = "Unknown username or wrong password."
DEFAULT_ADDRESS_LIMIT = "20/minute;100/hour"
DEFAULT_USERNAME_LIMIT = "5/minute;30/hour"
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class DashboardUser(UserMixin):  # type: ignore[misc]
    """The logged-in moderator, as views need them (no ORM object kept across requests)."""

    id: int
    username: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def get_id(self) -> str:
        return str(self.id)

    @classmethod
    def of(cls, moderator: Moderator) -> DashboardUser:
        return cls(moderator.id, moderator.username, Role(moderator.role))


@login_manager.user_loader
def load_user(user_id: str) -> DashboardUser | None:
    """The active moderator with this id, or None (a disabled account is logged out)."""
    moderator = db.get_session().get(Moderator, int(user_id)) if user_id.isdigit() else None
    if moderator is None or not moderator.active:
        return None
    return DashboardUser.of(moderator)


def the_moderator() -> Moderator:
    """The current user's row in the request's session (for audit events)."""
    moderator = db.get_session().get(Moderator, current_user.id)
    if moderator is None:
        abort(403)
    return moderator


def admin_required(view: F) -> F:
    """Allow admins only (403 for moderators)."""

    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _address_limit() -> str:
    return str(current_app.config.get("DASHBOARD_LOGIN_LIMIT_ADDRESS", DEFAULT_ADDRESS_LIMIT))


def _username_limit() -> str:
    return str(current_app.config.get("DASHBOARD_LOGIN_LIMIT_USERNAME", DEFAULT_USERNAME_LIMIT))


def _username_key() -> str:
    return "login-user:" + moderators.normalize_username(request.form.get("username", ""))[:64]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, key_func=lambda: "login-addr:" + client_address(), methods=["POST"])
@limiter.limit(_username_limit, key_func=_username_key, methods=["POST"])
def login() -> Any:
    """The login form; on success the session is rotated and the moderator sent on."""
    if request.method == "GET":
        return render_template("dashboard/login.html", error=None)
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    with db.write() as dbs:
        moderator = moderators.authenticate(dbs, username, password)
        user = DashboardUser.of(moderator) if moderator else None
    if user is None:
        return render_template("dashboard/login.html", error=LOGIN_FAILED, username=username), 401
    target = _safe_next(request.args.get("next"))
    session.clear()  # rotate: nothing from the anonymous session survives, new CSRF token
    login_user(user)
    return redirect(target)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """End the session (POST with CSRF, so no other site can log a moderator out)."""
    logout_user()
    session.clear()
    return redirect(url_for("dashboard_auth.login"))


def _safe_next(target: str | None) -> str:
    """Only a local dashboard path: never an open redirect."""
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard"):
        return target
    return url_for("dashboard_queue.queue_page")

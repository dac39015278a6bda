"""Site settings (admins): origins, thresholds with a what-if preview, word lists, API keys."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from moderation import review
from moderation.categories import CATEGORIES
from moderation.fields import MAX_ID
from moderation.policy import Policy, Thresholds
from moderation.storage import ApiKey, Site, apikeys, sites
from moderation.storage.errors import InvalidData

from .. import db
from ..models import scorer_for_site
from .auth import admin_required
from .common import base_policy

bp = Blueprint("dashboard_settings", __name__)


@bp.get("/settings")
@admin_required
def site_list() -> str:
    """Every site, each linking to its settings."""
    return render_template("dashboard/sites.html", sites=sites.list_sites(db.get_session()))


@bp.get("/sites/<slug>")
@admin_required
def site_settings(slug: str) -> str:
    """The settings page of one site."""
    return _page(db.get_session(), sites.get_site(db.get_session(), slug))


@bp.post("/sites/<slug>")
@admin_required
def save_settings(slug: str) -> Any:
    """Save the form, or (``action=preview``) show what the new thresholds would change."""
    session = db.get_session()
    site = sites.get_site(session, slug)
    form = _SettingsForm.parse(request.form)
    if form.error:
        return _page(session, site, form=form, error=form.error), 400
    if request.form.get("action") == "preview":
        proposed = {c: Thresholds(**t) for c, t in (form.thresholds or {}).items()}
        result = review.what_if(session, site, _site_policy(site), proposed)
        return _page(session, site, form=form, preview=result)
    with db.write() as tx:
        sites.update_site_settings(
            tx,
            site,
            origins=form.origins,
            thresholds=form.thresholds,
            deny_words=form.deny,
            allow_words=form.allow,
        )
    return redirect(url_for(".site_settings", slug=slug, saved=1))


@bp.post("/sites/<slug>/test")
@admin_required
def test_words(slug: str) -> str:
    """Score a sample text with the site's saved word lists and thresholds."""
    session = db.get_session()
    site = sites.get_site(session, slug)
    text = request.form.get("text", "")[:5000]
    verdict = _site_scorer(site).score(text) if text.strip() else None
    return _page(session, site, sample=text, verdict=verdict)


@bp.post("/sites/<slug>/keys")
@admin_required
def create_key(slug: str) -> str:
    """Create an API key and show it once, on this response only."""
    with db.write() as session:
        site = sites.get_site(session, slug)
        _, raw = apikeys.create_api_key(
            session, site, request.form.get("name", "").strip() or "api"
        )
    session = db.get_session()
    return _page(session, sites.get_site(session, slug), new_key=raw)


@bp.post("/sites/<slug>/keys/<int:key_id>/revoke")
@admin_required
def revoke_key(slug: str, key_id: int) -> Response:
    """Revoke a key of this site."""
    with db.write() as session:
        site = sites.get_site(session, slug)
        key = session.get(ApiKey, key_id) if key_id <= MAX_ID else None
        if key is None or key.site_id != site.id:
            abort(404)
        apikeys.revoke_api_key(session, key)
    return redirect(url_for(".site_settings", slug=slug))


class _SettingsForm:
    """The settings form's fields, parsed and checked."""

    def __init__(self) -> None:
        self.origins: list[str] = []
        self.thresholds: dict[str, Any] | None = None
        self.deny: list[str] = []
        self.allow: list[str] = []
        self.error = ""

    @classmethod
    def parse(cls, raw: Any) -> _SettingsForm:
        form = cls()
        form.origins = _lines(raw.get("origins", ""))
        form.deny = _lines(raw.get("deny_words", ""))
        form.allow = _lines(raw.get("allow_words", ""))
        try:
            for origin in form.origins:
                sites.normalize_origin(origin)
            form.thresholds = sites.validate_thresholds(_thresholds(raw))
        except InvalidData as exc:
            form.error = str(exc)
        return form


def _thresholds(raw: Any) -> dict[str, Any] | None:
    out = {}
    for cat in CATEGORIES:
        review_at, reject_at = raw.get(f"review_at-{cat}", ""), raw.get(f"reject_at-{cat}", "")
        if review_at.strip() or reject_at.strip():
            out[str(cat)] = {"review_at": review_at, "reject_at": reject_at}
    return out or None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _site_policy(site: Site) -> Any:
    """The policy of the model serving this site, with the site's thresholds."""
    policy = getattr(scorer_for_site(site.id), "policy", None)
    base = policy if isinstance(policy, Policy) else base_policy()
    return base.with_thresholds(sites.site_thresholds(site))


def _site_scorer(site: Site) -> Any:
    thresholds = {str(k): v for k, v in sites.site_thresholds(site).items()}
    return scorer_for_site(
        site.id,
        deny=tuple(site.deny_words or ()),
        allow=tuple(site.allow_words or ()),
        thresholds=thresholds or None,
    )


def _page(session: Session, site: Site, **extra: Any) -> str:
    policy = _site_policy(site)
    current: dict[str, Thresholds] = {str(c): policy.thresholds[c] for c in CATEGORIES}
    form = extra.pop("form", None)
    values = request.form if form is not None else _values(site, current)
    return render_template(
        "dashboard/settings.html",
        site=site,
        current=current,
        values=values,
        categories=[str(c) for c in CATEGORIES],
        keys=apikeys.list_api_keys(session, site),
        saved=request.args.get("saved") == "1",
        **extra,
    )


def _values(site: Site, current: dict[str, Thresholds]) -> dict[str, str]:
    """The form's initial values: the saved settings."""
    out = {
        "origins": "\n".join(site.origins or []),
        "deny_words": "\n".join(site.deny_words or []),
        "allow_words": "\n".join(site.allow_words or []),
    }
    for cat in site.thresholds or {}:
        out[f"review_at-{cat}"] = str(current[cat].review_at)
        out[f"reject_at-{cat}"] = str(current[cat].reject_at)
    return out

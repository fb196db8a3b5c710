"""The JSON API under /api/v1/ (django-ninja). Every endpoint reads through the scoped selectors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from ninja import NinjaAPI, Schema
from ninja.openapi.docs import Swagger
from ninja.security import django_auth

from eduaid.core.ninja_assets import swagger_context
from eduaid.org.selectors import schools_visible_to, townships_visible_to


class LocalSwagger(Swagger):
    """The docs page from ninja's own template and static files, never a CDN (a county office may
    have no internet). ninja renders them itself only when "ninja" is an installed app; here the
    settings find them in ninja's folder (`eduaid.core.ninja_assets`)."""

    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        context = swagger_context(api, self.get_openapi_url(api, kwargs), self.settings)
        return render(request, self.template, context)


api = NinjaAPI(
    title="EduAid API",
    version="1",
    auth=django_auth,
    urls_namespace="api",
    docs=LocalSwagger(),
    docs_decorator=login_required,
)


class TownshipOut(Schema):
    id: int
    code: str
    name: str


class SchoolOut(Schema):
    id: int
    code: str
    name: str
    township_id: int | None
    school_type: str
    ownership: str
    urban_rural: str
    boarding: bool


@api.get("/townships", response=list[TownshipOut])
def list_townships(request: HttpRequest):  # type: ignore[no-untyped-def]
    return townships_visible_to(request.user)


@api.get("/schools", response=list[SchoolOut])
def list_schools(request: HttpRequest):  # type: ignore[no-untyped-def]
    return schools_visible_to(request.user)


@api.get("/schools/{school_id}", response=SchoolOut)
def get_school(request: HttpRequest, school_id: int):  # type: ignore[no-untyped-def]
    return get_object_or_404(schools_visible_to(request.user), pk=school_id)

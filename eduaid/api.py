"""The JSON API under /api/v1/ (django-ninja). Every endpoint reads through the scoped selectors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from eduaid.org.selectors import schools_visible_to, townships_visible_to

api = NinjaAPI(
    title="EduAid API",
    version="1",
    auth=django_auth,
    urls_namespace="api",
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

"""Pages of 一生一责任人 and 一校一对策: teachers, assignment, coverage, the chain, catchment, strategies."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from eduaid.accounts.passwords import generate_password
from eduaid.accounts.roles import COUNTY_ROLES, Role
from eduaid.core import clock
from eduaid.core.http import AuthedHttpRequest
from eduaid.core.idnumbers import mask
from eduaid.org.models import School, SchoolClass, Township
from eduaid.org.selectors import schools_visible_to, townships_visible_to, villages_visible_to
from eduaid.registry.models import Enrolment, Person, Stage, valid_on
from eduaid.registry.selectors import enrolments_visible_to, persons_visible_to
from eduaid.staff import selectors, services
from eduaid.staff.forms import ImportForm, ReassignForm, StrategyForm, TeacherForm, TeacherLoginForm
from eduaid.staff.imports import import_teachers
from eduaid.staff.models import CatchmentSchool, ClassHeadTeacher, SchoolStrategy, Teacher

CATCHMENT_STAGES = (Stage.PRIMARY, Stage.JUNIOR)
READERS = frozenset(COUNTY_ROLES | {Role.TOWNSHIP_OFFICER, Role.SCHOOL_OFFICER})


def role_of(user: Any) -> str:
    return Role.COUNTY_ADMIN if user.is_superuser else user.role


def _require_reader(request: AuthedHttpRequest) -> None:
    """Coverage, assignment, teachers and strategies are for the county, townships and schools."""
    if role_of(request.user) not in READERS:
        raise PermissionDenied


def _require_writer(request: AuthedHttpRequest) -> None:
    if not services.is_writer(request.user):
        raise PermissionDenied


def _int(request: AuthedHttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() else None


def _writable_schools(user: Any) -> Any:
    return schools_visible_to(user).filter(
        pk__in=[s.pk for s in schools_visible_to(user) if services.may_manage_school(user, s)]
    )


def _student_rows(responsibilities: Any) -> list[dict[str, Any]]:
    items = list(responsibilities)
    enrolments = selectors.enrolments_of([r.person_id for r in items])
    return [
        {
            "person": r.person,
            "masked_id": mask(r.person.id_number) if r.person.id_number else r.person.student_key,
            "enrolment": enrolments.get(r.person_id),
            "row": r,
        }
        for r in items
    ]


# ---- the chain -----------------------------------------------------------------------------------


@login_required
def overview(request: AuthedHttpRequest) -> HttpResponse:
    """Bureau → township → school → teacher → student: each level sees its own, and drills down."""
    user = request.user
    role = role_of(user)
    if role == Role.TEACHER:
        return my_students(request)
    _require_reader(request)
    run = selectors.current_run()
    needs = selectors.needs_of(user, run)
    year = clock.today().year
    context: dict[str, Any] = {
        "run": run,
        "year": year,
        "totals": selectors.totals(needs),
        "writer": services.is_writer(user),
    }
    school_pk, township_pk = _int(request, "school"), _int(request, "township")
    schools = schools_visible_to(user)
    if role == Role.SCHOOL_OFFICER or school_pk is not None:
        school = get_object_or_404(schools, pk=school_pk) if school_pk is not None else schools.first()
        if school is None:
            raise Http404
        return _school_overview(request, context, school, [n for n in needs if n.school_id == school.pk])
    if role == Role.TOWNSHIP_OFFICER or township_pk is not None:
        township = (
            get_object_or_404(townships_visible_to(user), pk=township_pk)
            if township_pk
            else townships_visible_to(user).first()
        )
        if township is None:
            raise Http404
        mine = [n for n in needs if n.township_id == township.pk]
        return _township_overview(request, context, township, mine)
    teachers = selectors.teacher_counts_by(user, "school__township_id")
    school_counts: dict[int | None, int] = dict(
        schools.values_list("township_id").annotate(n=Count("pk")).values_list("township_id", "n")
    )
    written = (
        selectors.strategies_visible_to(user)
        .filter(year=year)
        .values("school__township_id")
        .annotate(n=Count("pk"))
    )
    strategies: dict[int | None, int] = {r["school__township_id"]: r["n"] for r in written}
    names: dict[int, str] = dict(townships_visible_to(user).values_list("pk", "name"))
    by_township = {row.key: row for row in selectors.coverage(needs, "township_id", names, _("County-level"))}
    rows = []
    entries: list[tuple[int | None, str]] = [*names.items(), (None, _("County-level"))]
    for pk, name in entries:
        cov = by_township.get(pk)
        if pk is None and cov is None and not school_counts.get(None):
            continue
        rows.append(
            {
                "pk": pk,
                "name": name,
                "schools": school_counts.get(pk, 0),
                "teachers": teachers.get(pk, 0),
                "strategies": strategies.get(pk, 0),
                "cov": cov,
            }
        )
    context.update({"level": "county", "rows": rows})
    return render(request, "staff/overview.html", context)


def _township_overview(
    request: AuthedHttpRequest, context: dict[str, Any], township: Township, needs: list[Any]
) -> HttpResponse:
    user = request.user
    schools = schools_visible_to(user).filter(township=township).order_by("code")
    teachers = selectors.teacher_counts_by(user, "school_id")
    written = selectors.strategy_years(user, context["year"])
    names = dict(schools.values_list("pk", "name"))
    by_school = {row.key: row for row in selectors.coverage(needs, "school_id", names, _("No school"))}
    rows = [
        {
            "pk": s.pk,
            "name": s.name,
            "code": s.code,
            "teachers": teachers.get(s.pk, 0),
            "strategy": s.pk in written,
            "cov": by_school.get(s.pk),
        }
        for s in schools
    ]
    no_school = by_school.get(None)
    context.update(
        {
            "level": "township",
            "township": township,
            "rows": rows,
            "no_school": no_school,
            "totals": selectors.totals(needs),
        }
    )
    return render(request, "staff/overview.html", context)


def _school_overview(
    request: AuthedHttpRequest, context: dict[str, Any], school: School, needs: list[Any]
) -> HttpResponse:
    teachers = selectors.teacher_loads(request.user).filter(school=school).order_by("-active", "name", "pk")
    strategy = (
        selectors.strategies_visible_to(request.user).filter(school=school, year=context["year"]).first()
    )
    context.update(
        {
            "level": "school",
            "school": school,
            "teachers": teachers,
            "strategy": strategy,
            "totals": selectors.totals(needs),
            "may_manage": services.may_manage_school(request.user, school),
        }
    )
    return render(request, "staff/overview.html", context)


@login_required
def my_students(request: AuthedHttpRequest) -> HttpResponse:
    """A teacher's own list: the children they answer for."""
    if role_of(request.user) != Role.TEACHER:
        raise PermissionDenied
    page = Paginator(selectors.my_students(request.user), 50).get_page(request.GET.get("page"))
    teacher = selectors.teachers_visible_to(request.user).first()
    return render(
        request,
        "staff/my_students.html",
        {"page": page, "rows": _student_rows(page.object_list), "teacher": teacher},
    )


# ---- teachers ------------------------------------------------------------------------------------


def _get_teacher_for(request: AuthedHttpRequest, pk: int) -> Teacher:
    return get_object_or_404(selectors.teachers_visible_to(request.user), pk=pk)


@login_required
def teacher_list(request: AuthedHttpRequest) -> HttpResponse:
    _require_reader(request)
    user = request.user
    qs = selectors.teacher_loads(user).order_by(
        "school__township__code", "school__code", "-active", "name", "pk"
    )
    school = _int(request, "school")
    if school is not None:
        qs = qs.filter(school_id=school)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(name__startswith=q)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "schools": schools_visible_to(user).order_by("township__code", "code"),
        "filters": {"school": school, "q": q},
        "writer": bool(_writable_schools(user).exists()),
    }
    return render(request, "staff/teacher_list.html", context)


@login_required
def teacher_create(request: AuthedHttpRequest) -> HttpResponse:
    _require_writer(request)
    schools = _writable_schools(request.user)
    form = TeacherForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            teacher = services.teacher_create(
                actor=request.user,
                school=data["school"],
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                classes=list(data["classes"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Teacher %(name)s added.") % {"name": teacher.name})
            return redirect("staff:teacher_detail", pk=teacher.pk)
    return render(request, "staff/teacher_form.html", {"form": form, "teacher": None})


@login_required
def teacher_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    teacher = _get_teacher_for(request, pk)
    responsibilities = (
        selectors.responsibilities_visible_to(request.user)
        .filter(teacher=teacher)
        .order_by("person__name", "person_id")
    )
    page = Paginator(responsibilities, 50).get_page(request.GET.get("page"))
    context = {
        "teacher": teacher,
        "page": page,
        "rows": _student_rows(page.object_list),
        "classes": teacher.taught.select_related("school_class").order_by(
            "school_class__grade", "school_class__name"
        ),
        "heads": teacher.head_of.select_related("school_class").order_by(
            "school_class__grade", "school_class__name"
        ),
        "may_manage": services.may_manage_school(request.user, teacher.school),
        "masked_id": mask(teacher.id_number) if teacher.id_number else "",
    }
    return render(request, "staff/teacher_detail.html", context)


@login_required
def teacher_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    teacher = _get_teacher_for(request, pk)
    if not services.may_manage_school(request.user, teacher.school):
        raise PermissionDenied
    initial = {
        "name": teacher.name,
        "id_number": teacher.id_number,
        "phone": teacher.phone,
        "active": teacher.active,
        "classes": [c.school_class_id for c in teacher.taught.all()],
    }
    form = TeacherForm(
        request.POST or None,
        schools=School.objects.filter(pk=teacher.school_id),
        teacher=teacher,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.teacher_update(
                actor=request.user,
                teacher=teacher,
                name=data["name"],
                id_number=data["id_number"],
                phone=data["phone"],
                active=data["active"],
                classes=list(data["classes"]),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Teacher %(name)s saved.") % {"name": teacher.name})
            return redirect("staff:teacher_detail", pk=teacher.pk)
    return render(request, "staff/teacher_form.html", {"form": form, "teacher": teacher})


@login_required
def teacher_login(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    teacher = _get_teacher_for(request, pk)
    if not services.may_manage_school(request.user, teacher.school):
        raise PermissionDenied
    form = TeacherLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        password = generate_password()
        try:
            user = services.teacher_login_create(
                actor=request.user, teacher=teacher, username=form.cleaned_data["username"], password=password
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "Login %(username)s created for %(name)s. Initial password: %(password)s — "
                    "give it to the teacher; they must change it at first login."
                )
                % {"username": user.username, "name": teacher.name, "password": password},
            )
            return redirect("staff:teacher_detail", pk=teacher.pk)
    return render(request, "staff/teacher_login.html", {"form": form, "teacher": teacher})


# ---- the staff sheet -----------------------------------------------------------------------------


def _import_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "staff_imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@login_required
def teacher_import(request: AuthedHttpRequest) -> HttpResponse:
    """Upload a staff sheet: a dry run first, then confirm to apply the same file."""
    _require_writer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        report = import_teachers(
            data, actor=request.user, filename=upload.name, strict=form.cleaned_data["strict"], dry_run=True
        )
        token = uuid.uuid4().hex
        if report.created or report.updated:
            (_import_dir() / token).write_bytes(data)
            request.session["staff_import"] = {
                "token": token,
                "name": upload.name,
                "strict": form.cleaned_data["strict"],
            }
        context.update({"report": report, "token": token, "filename": upload.name})
    return render(request, "staff/teacher_import.html", context)


@login_required
@require_POST
def teacher_import_confirm(request: AuthedHttpRequest) -> HttpResponse:
    _require_writer(request)
    pending = request.session.pop("staff_import", None)
    if not pending or pending.get("token") != request.POST.get("token"):
        messages.error(request, _("This check has expired: upload the file again."))
        return redirect("staff:teacher_import")
    path = _import_dir() / pending["token"]
    if not path.is_file():
        messages.error(request, _("This check has expired: upload the file again."))
        return redirect("staff:teacher_import")
    try:
        report = import_teachers(
            path.read_bytes(), actor=request.user, filename=pending["name"], strict=pending["strict"]
        )
    finally:
        path.unlink(missing_ok=True)
    if report.applied:
        messages.success(request, _("Staff sheet imported. %(summary)s") % {"summary": report.summary()})
    else:
        messages.error(request, _("Nothing was written. %(summary)s") % {"summary": report.summary()})
    return redirect("staff:teacher_list")


# ---- head teachers -------------------------------------------------------------------------------


@login_required
def class_heads(request: AuthedHttpRequest) -> HttpResponse:
    """The 班主任 of each class of one school."""
    _require_writer(request)
    schools = _writable_schools(request.user).order_by("township__code", "code")
    pk = _int(request, "school")
    school = get_object_or_404(schools, pk=pk) if pk is not None else schools.first()
    if school is None:
        raise Http404
    classes = SchoolClass.objects.filter(school=school).order_by("grade", "name")
    teachers = Teacher.objects.filter(school=school, active=True).order_by("name", "pk")
    if request.method == "POST":
        by_pk = {t.pk: t for t in teachers}
        changed = 0
        for school_class in classes:
            raw = request.POST.get(f"class_{school_class.pk}")
            if raw is None:
                continue
            wanted = by_pk.get(int(raw)) if raw.isdigit() else None
            current = (
                ClassHeadTeacher.objects.filter(school_class=school_class)
                .values_list("teacher_id", flat=True)
                .first()
            )
            if current != (wanted.pk if wanted else None):
                services.class_head_set(actor=request.user, school_class=school_class, teacher=wanted)
                changed += 1
        messages.success(request, _("Head teachers saved (%(n)s changed).") % {"n": changed})
        return redirect(f"{request.path}?school={school.pk}")
    heads = dict(
        ClassHeadTeacher.objects.filter(school_class__school=school).values_list(
            "school_class_id", "teacher_id"
        )
    )
    rows = [{"cls": c, "head": heads.get(c.pk)} for c in classes]
    return render(
        request,
        "staff/class_heads.html",
        {"school": school, "schools": schools, "rows": rows, "teachers": teachers},
    )


# ---- assignment ----------------------------------------------------------------------------------


def _class_students(user: Any, school_class: SchoolClass) -> list[Person]:
    rows = (
        enrolments_visible_to(user)
        .filter(school=school_class.school, grade=school_class.grade, class_name=school_class.name)
        .select_related("person")
        .order_by("person__name", "person_id")
    )
    seen: dict[int, Person] = {}
    for row in rows:
        seen.setdefault(row.person_id, row.person)
    return list(seen.values())


@login_required
def assign(request: AuthedHttpRequest) -> HttpResponse:
    """Bulk assignment by class: the class's 班主任 by default; those already answered for need a reason."""
    _require_writer(request)
    user = request.user
    schools = _writable_schools(user).order_by("township__code", "code")
    pk = _int(request, "school")
    school = get_object_or_404(schools, pk=pk) if pk is not None else schools.first()
    if school is None:
        raise Http404
    classes = SchoolClass.objects.filter(school=school).order_by("grade", "name")
    class_pk = _int(request, "class")
    school_class = get_object_or_404(classes, pk=class_pk) if class_pk is not None else None
    teachers = Teacher.objects.filter(school=school, active=True).order_by("name", "pk")
    context: dict[str, Any] = {
        "school": school,
        "schools": schools,
        "classes": classes,
        "school_class": school_class,
        "teachers": teachers,
    }
    if school_class is None:
        context["class_rows"] = _class_rows(user, school, classes)
        return render(request, "staff/assign.html", context)
    students = _class_students(user, school_class)
    current = dict(
        selectors.responsibilities_visible_to(None)
        .filter(person__in=students)
        .values_list("person_id", "teacher_id")
    )
    names = dict(Teacher.objects.filter(pk__in=current.values()).values_list("pk", "name"))
    needs = {
        n.person_id for n in selectors.needs_of(user, selectors.current_run()) if n.school_id == school.pk
    }
    head = ClassHeadTeacher.objects.filter(school_class=school_class, teacher__active=True).first()
    if request.method == "POST":
        teacher = teachers.filter(pk=request.POST.get("teacher") or 0).first()
        chosen = [p for p in students if str(p.pk) in request.POST.getlist("person")]
        reason = request.POST.get("reason", "").strip()
        moving = [p for p in chosen if current.get(p.pk) not in (None, teacher.pk if teacher else None)]
        if teacher is None or not chosen:
            messages.error(request, _("Choose a teacher and at least one student."))
        elif moving and not reason:
            messages.error(
                request,
                _(
                    "%(n)s of the chosen students already have a responsible teacher: "
                    "give a reason for the change."
                )
                % {"n": len(moving)},
            )
        else:
            changed = services.responsibility_assign_many(
                persons=chosen, teacher=teacher, actor=user, reason=reason
            )
            messages.success(
                request, _("%(n)s students assigned to %(name)s.") % {"n": changed, "name": teacher.name}
            )
            return redirect(f"{request.path}?school={school.pk}&class={school_class.pk}")
    rows = [
        {
            "person": p,
            "masked_id": mask(p.id_number) if p.id_number else p.student_key,
            "teacher": names.get(current.get(p.pk) or 0),
            "needs": p.pk in needs,
            "checked": p.pk not in current and p.pk in needs,
        }
        for p in students
    ]
    context.update({"rows": rows, "head": head.teacher if head else None})
    return render(request, "staff/assign.html", context)


def _class_rows(user: Any, school: School, classes: Any) -> list[dict[str, Any]]:
    """Each class with its 班主任, its students needing a responsible teacher, and how many lack one."""
    needs = [n for n in selectors.needs_of(user, selectors.current_run()) if n.school_id == school.pk]
    by_person = {n.person_id: n for n in needs}
    where = Enrolment.objects.filter(
        valid_on(clock.today()), school=school, person_id__in=list(by_person)
    ).values_list("person_id", "grade", "class_name")
    counts: dict[tuple[int | None, str], list[int]] = {}
    for person_id, grade, class_name in where:
        row = counts.setdefault((grade, class_name), [0, 0])
        row[0] += 1
        row[1] += 0 if by_person[person_id].assigned else 1
    heads = dict(
        ClassHeadTeacher.objects.filter(school_class__school=school).values_list(
            "school_class_id", "teacher__name"
        )
    )
    return [
        {
            "cls": c,
            "head": heads.get(c.pk, ""),
            "needing": counts.get((c.grade, c.name), [0, 0])[0],
            "open": counts.get((c.grade, c.name), [0, 0])[1],
        }
        for c in classes
    ]


@login_required
def reassign(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """Assign or change one child's responsible teacher, with a reason; the history below."""
    person = get_object_or_404(persons_visible_to(request.user), pk=pk)
    _require_writer(request)
    user = request.user
    current = selectors.responsible_teacher_for(person)
    suggested = selectors.default_teacher_for(person)
    teachers = Teacher.objects.filter(school__in=_writable_schools(user), active=True).select_related(
        "school"
    )
    if suggested is not None and not services.may_manage_school(user, suggested.school):
        suggested = None
    enrolment = selectors.enrolments_of([person.pk]).get(person.pk)
    if enrolment is not None:
        teachers = (
            teachers.filter(school=enrolment.school)
            if teachers.filter(school=enrolment.school).exists()
            else teachers
        )
    teachers = teachers.order_by("school__code", "name", "pk")
    initial = {
        "teacher": suggested.pk if suggested and current is None else (current.pk if current else None)
    }
    form = ReassignForm(
        request.POST or None, teachers=teachers, needs_reason=current is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        teacher = form.cleaned_data["teacher"]
        services.responsibility_assign(
            person=person, teacher=teacher, actor=user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            request,
            _("%(teacher)s now answers for %(name)s.") % {"teacher": teacher.name, "name": person.name},
        )
        return redirect("staff:reassign", pk=person.pk)
    context = {
        "person": person,
        "masked_id": mask(person.id_number) if person.id_number else person.student_key,
        "current": current,
        "suggested": suggested,
        "enrolment": enrolment,
        "form": form,
        "history": selectors.responsibility_history(person),
    }
    return render(request, "staff/reassign.html", context)


# ---- coverage ------------------------------------------------------------------------------------


@login_required
def coverage(request: AuthedHttpRequest) -> HttpResponse:
    """Who still has no responsible teacher: per township, per school, county totals, and the list."""
    _require_reader(request)
    user = request.user
    run = selectors.current_run()
    needs = selectors.needs_of(user, run)
    township_names = dict(townships_visible_to(user).values_list("pk", "name"))
    school_names = dict(schools_visible_to(user).values_list("pk", "name"))
    school_pk, township_pk = _int(request, "school"), _int(request, "township")
    if school_pk is not None:
        needs_shown = [n for n in needs if n.school_id == school_pk]
    elif township_pk is not None:
        needs_shown = [n for n in needs if n.township_id == township_pk]
    else:
        needs_shown = needs
    unassigned = selectors.sort_needs(selectors.unassigned_rows(needs_shown))
    page = Paginator(unassigned, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "row": r,
            "person": r.person,
            "masked_id": mask(r.person.id_number) if r.person.id_number else r.person.student_key,
        }
        for r in selectors.unassigned_page(list(page.object_list))
    ]
    context = {
        "run": run,
        "totals": selectors.totals(needs),
        "by_township": selectors.coverage(needs, "township_id", township_names, _("County-level"))
        if len(township_names) > 1
        else [],
        "by_school": selectors.coverage(needs_shown, "school_id", school_names, _("No school")),
        "page": page,
        "rows": rows,
        "filters": {"school": school_pk, "township": township_pk},
        "writer": services.is_writer(user),
    }
    return render(request, "staff/coverage.html", context)


# ---- the catchment map ---------------------------------------------------------------------------


@login_required
def catchment(request: AuthedHttpRequest) -> HttpResponse:
    """Each village's school for the children of each compulsory stage who attend no school."""
    user = request.user
    role = role_of(user)
    if role not in COUNTY_ROLES and role != Role.TOWNSHIP_OFFICER:
        raise PermissionDenied
    townships = townships_visible_to(user)
    pk = _int(request, "township")
    township = get_object_or_404(townships, pk=pk) if pk is not None else townships.first()
    if township is None:
        raise Http404
    villages = villages_visible_to(user).filter(township=township).order_by("code")
    schools = School.objects.filter(township=township).order_by("code") | School.objects.filter(
        township__isnull=True
    ).order_by("code")
    may_edit = bool(villages) and services.may_keep_catchment(user, villages[0])
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        by_pk = {s.pk: s for s in schools}
        changed = _save_catchment(request, villages, by_pk)
        messages.success(request, _("Catchment map saved (%(n)s changed).") % {"n": changed})
        return redirect(f"{request.path}?township={township.pk}")
    current = {
        (c.village_id, c.stage): c.school_id for c in CatchmentSchool.objects.filter(village__in=villages)
    }
    rows: list[dict[str, Any]] = [
        {"village": v, "cells": [(stage, current.get((v.pk, stage))) for stage in CATCHMENT_STAGES]}
        for v in villages
    ]
    context = {
        "township": township,
        "townships": townships,
        "rows": rows,
        "may_edit": may_edit,
        "stages": [(s, Stage(s).label) for s in CATCHMENT_STAGES],
        "primary_schools": [s for s in schools if s.school_type in ("primary", "nine_year")],
        "junior_schools": [
            s for s in schools if s.school_type in ("junior", "nine_year", "complete_secondary")
        ],
        "missing": sum(1 for r in rows for _stage, school in r["cells"] if school is None),
    }
    return render(request, "staff/catchment.html", context)


def _save_catchment(request: AuthedHttpRequest, villages: Any, schools: dict[int, School]) -> int:
    changed = 0
    current = {
        (c.village_id, c.stage): c.school_id for c in CatchmentSchool.objects.filter(village__in=villages)
    }
    for village in villages:
        for stage in CATCHMENT_STAGES:
            raw = request.POST.get(f"v{village.pk}_{stage}")
            if raw is None:
                continue
            school = schools.get(int(raw)) if raw.isdigit() else None
            if current.get((village.pk, stage)) != (school.pk if school else None):
                services.catchment_set(actor=request.user, village=village, stage=stage, school=school)
                changed += 1
    return changed


# ---- 一校一对策 ------------------------------------------------------------------------------------


def _get_strategy_for(request: AuthedHttpRequest, pk: int) -> SchoolStrategy:
    return get_object_or_404(selectors.strategies_visible_to(request.user), pk=pk)


@login_required
def strategy_list(request: AuthedHttpRequest) -> HttpResponse:
    _require_reader(request)
    user = request.user
    years = sorted(
        set(selectors.strategies_visible_to(user).values_list("year", flat=True)) | {clock.today().year},
        reverse=True,
    )
    year = _int(request, "year") or clock.today().year
    schools = schools_visible_to(user).filter(
        school_type__in=["primary", "junior", "nine_year", "complete_secondary", "special"]
    )
    township = _int(request, "township")
    if township is not None:
        schools = schools.filter(township_id=township)
    written = {s.school_id: s for s in selectors.strategies_visible_to(user).filter(year=year)}
    rows = [{"school": s, "strategy": written.get(s.pk)} for s in schools.order_by("township__code", "code")]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "year": year,
        "years": years,
        "townships": townships_visible_to(user),
        "filters": {"township": township},
        "written": len(written),
        "total": len(rows),
        "own_school": schools.first() if role_of(user) == Role.SCHOOL_OFFICER else None,
    }
    return render(request, "staff/strategy_list.html", context)


@login_required
def strategy_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    strategy = _get_strategy_for(request, pk)
    _require_reader(request)
    history = strategy.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "staff/strategy_detail.html",
        {
            "strategy": strategy,
            "history": history,
            "may_write": services.may_write_strategy(request.user, strategy.school),
            "measures": [line for line in strategy.measures.splitlines() if line.strip()],
        },
    )


@login_required
def strategy_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    strategy = _get_strategy_for(request, pk)
    return _strategy_form(request, strategy.school, strategy)


@login_required
def strategy_new(request: AuthedHttpRequest) -> HttpResponse:
    """The school officer's strategy for a year (an existing one opens for editing)."""
    if role_of(request.user) != Role.SCHOOL_OFFICER:
        raise PermissionDenied
    school = schools_visible_to(request.user).first()
    if school is None:
        raise Http404
    year = _int(request, "year") or clock.today().year
    existing = SchoolStrategy.objects.filter(school=school, year=year).first()
    if existing is not None and request.method == "GET":
        return redirect("staff:strategy_edit", pk=existing.pk)
    return _strategy_form(request, school, None, year=year)


def _strategy_form(
    request: AuthedHttpRequest, school: School, strategy: SchoolStrategy | None, year: int | None = None
) -> HttpResponse:
    if not services.may_write_strategy(request.user, school):
        raise PermissionDenied
    initial = {"year": year} if strategy is None else {}
    form = StrategyForm(request.POST or None, instance=strategy, initial=initial)
    if strategy is not None:
        form.fields["year"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.strategy_save(
                actor=request.user,
                school=school,
                year=data["year"] if strategy is None else strategy.year,
                measures=data["measures"],
                leader=data["leader"],
                review_date=data["review_date"],
                review_notes=data["review_notes"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The strategy for %(year)s is saved.") % {"year": saved.year})
            return redirect("staff:strategy_detail", pk=saved.pk)
    return render(request, "staff/strategy_form.html", {"form": form, "school": school, "strategy": strategy})

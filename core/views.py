"""Page machinery shared by every app: scoped object lookup and the error pages."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render

from areas.scopes import may

__all__ = ["ScopedObjectMixin", "bad_request", "page_not_found", "permission_denied", "server_error"]


class ScopedObjectMixin(LoginRequiredMixin):
    """Looks the object up through ``visible_to(user, "view")``: out of scope answers 404, so its
    existence does not leak; in scope without ``required_action`` answers 403."""

    model = None
    required_action = "view"
    lookup_kwarg = "code"
    lookup_field = "pk"

    def get_scoped_queryset(self):
        return self.model.objects.visible_to(self.request.user, "view")

    def get_object(self):
        try:
            obj = self.get_scoped_queryset().get(**{self.lookup_field: self.kwargs[self.lookup_kwarg]})
        except self.model.DoesNotExist as exc:
            raise Http404 from exc
        if self.required_action != "view" and not may(self.request.user, self.required_action, self.area_code_of(obj)):
            raise PermissionDenied
        return obj

    def area_code_of(self, obj) -> str:
        return getattr(obj, self.model.objects.all().area_field)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    """A static page: it must render even when the database is what failed, and show nothing of the error."""
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("errors/500.html").render())

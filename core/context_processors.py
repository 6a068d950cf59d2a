"""Template context every page needs: the user's roles and the menu entries they allow."""

from __future__ import annotations

from areas.choices import Action
from areas.scopes import grants_of, prefixes_for

__all__ = ["navigation"]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def allowed(action: str) -> bool:
        return user.is_superuser or bool(prefixes_for(user, action))

    return {
        "my_grants": grants_of(user),
        "can": {
            "manage_people": allowed(Action.MANAGE_PEOPLE),
            "manage_areas": allowed(Action.MANAGE_AREAS),
            "audit": allowed(Action.AUDIT),
            # the reports page (Excel summaries): whoever may export, as reporting.views asks
            "report": allowed(Action.EXPORT),
        },
    }

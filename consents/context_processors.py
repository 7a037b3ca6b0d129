from django.utils.functional import SimpleLazyObject

from .selectors import specialist_may_author


def authoring(request):
    """`specialist_may_author`: whether the specialist portal's menu offers
    "Forms & consents". Lazy: the one query runs only on pages that draw
    that menu."""
    user = request.user
    return {
        "specialist_may_author": SimpleLazyObject(lambda: user.is_authenticated and specialist_may_author(user=user))
    }

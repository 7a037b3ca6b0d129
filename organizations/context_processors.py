from .selectors import organization_for_brand


def brand(request):
    """The organization whose name, logo and colour the page wears."""
    match = getattr(request, "resolver_match", None)
    org_slug = match.kwargs.get("org_slug") if match else None
    return {"brand": organization_for_brand(user=request.user, org_slug=org_slug)}

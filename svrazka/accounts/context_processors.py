def workspace(request):
    """The current workspace and membership (set by workspace_view) and the user's workspaces."""
    memberships = []
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        memberships = list(
            request.user.memberships.select_related("workspace").order_by("workspace__name")
        )
    return {
        "workspace": getattr(request, "workspace", None),
        "membership": getattr(request, "membership", None),
        "my_memberships": memberships,
    }

"""The JSON API, mounted at /api/v1/ by svrazka/urls.py. OpenAPI at /api/v1/openapi.json,
interactive docs at /api/v1/docs."""

from ninja import NinjaAPI

from svrazka.api import errors
from svrazka.api.agreements import router as agreements_router
from svrazka.api.auth import TokenAuth
from svrazka.api.contacts import router as contacts_router
from svrazka.api.duplicates import router as duplicates_router
from svrazka.api.evaluations import router as evaluations_router
from svrazka.api.exports import router as exports_router
from svrazka.api.imports import router as imports_router
from svrazka.api.network import router as network_router
from svrazka.api.partnerships import router as partnerships_router
from svrazka.api.recommendations import router as recommendations_router
from svrazka.api.scorecards import router as scorecards_router
from svrazka.api.touchpoints import router as touchpoints_router

api = NinjaAPI(
    title="Svrazka API",
    version="1",
    urls_namespace="api",
    description=(
        "The contact database of one workspace: organisations, people, their affiliations, "
        "tags and causes. Authenticate with `Authorization: Bearer <token>`; a token acts "
        "with its user's role in its workspace (viewers may read, members and above may "
        "write)."
    ),
    auth=TokenAuth(),
)
errors.register(api)
# Exports first: "/people/export" must not be taken for "/people/{person_id}".
api.add_router("/", exports_router)
api.add_router("/", contacts_router)
api.add_router("/", partnerships_router)
api.add_router("/", agreements_router)
api.add_router("/", evaluations_router)
api.add_router("/", touchpoints_router)
api.add_router("/", imports_router)
api.add_router("/", duplicates_router)
api.add_router("/", network_router)
api.add_router("/", recommendations_router)
api.add_router("/", scorecards_router)

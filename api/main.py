"""The JSON API: the original service's v1 image API at the console's address."""

from ninja import NinjaAPI

from api import errors, images, members, servers, tags
from api.auth import ApiKeyAuth

DESCRIPTION = """\
The image API of the GPU Server Image console, in the shapes of the original service's v1
API. Send an API key (create one on the console's "API keys" page) in the `X-Auth-Token`
header. A key acts as its user in one account, with the user's role there: a viewer's key
reads only. Anything outside the key's reach answers 404. Every 4xx/5xx answer carries the
error envelope `{"errors": [{"code", "title", "status", "detail", "request_id"}]}`.
"""

api = NinjaAPI(
    title="GPU Server Image API",
    version="1.3",
    description=DESCRIPTION,
    auth=ApiKeyAuth(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)
api.add_router("", images.router)
api.add_router("", members.router)
api.add_router("", servers.router)
api.add_router("", tags.router)

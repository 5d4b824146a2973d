"""The OpenAPI schema: valid, without warnings, and describing exactly the code."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from portal.accounts.roles import EMPLOYEE
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    path = tmp_path_factory.mktemp("schema") / "openapi.yaml"
    with django_db_blocker.unblock():
        # --validate checks it against the OpenAPI 3 specification; a warning
        # (an unresolvable type, an enum clash, a view it cannot read) fails it
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def api_routes():
    """Every /api/v1/ route of the URL configuration, as OpenAPI paths with their view classes."""
    routes = {}

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith("api/v1/"):
                    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
                    path = path.replace("{pk}", "{id}")  # drf-spectacular names a primary key "id"
                    routes[path] = pattern.callback.cls

    walk(get_resolver().url_patterns, "")
    return routes


def test_every_route_is_in_the_schema_with_the_methods_its_view_answers(schema):
    routes = api_routes()
    assert routes and set(schema["paths"]) == set(routes)
    for path, view in routes.items():
        implemented = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
        assert set(schema["paths"][path]) - {"parameters"} == implemented, path


def test_every_operation_documents_its_errors_in_the_one_format(schema):
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("401", "403", "429"):
                assert responses[status]["content"]["application/json"]["schema"] == error, (path, method)
            if method in ("post", "put", "patch"):
                assert {"400", "413", "415"} <= set(responses), (path, method)
            if "{" in path:
                assert "404" in responses, (path, method)
            # gunicorn's own answer to an overlong address: documented, with no body of ours
            assert "414" in responses and "content" not in responses["414"], (path, method)
    assert "409" in schema["paths"]["/api/v1/people/"]["post"]["responses"]
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert set(detail["properties"]) == {"code", "message", "fields"}


def test_token_authentication_is_described_and_required(schema):
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }
    for operations in schema["paths"].values():
        for operation in operations.values():
            assert {"tokenAuth": []} in operation["security"] and {} not in operation["security"]


def test_the_schema_and_swagger_ui_need_a_role_a_token_or_a_signed_in_user(client, viewer_api):
    for url in ("/api/schema/", "/api/docs/"):
        response = client.get(url)
        assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer"), url
    client.force_login(make_user("no-role"))  # an account nobody gave a role: nothing to read here
    assert client.get("/api/schema/").status_code == 403
    schema = viewer_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and "/api/v1/people/" in schema.json()["paths"]


def test_schema_and_swagger_ui_are_served_without_a_cdn(client):
    client.force_login(make_user("employee", role=EMPLOYEE))  # the least role reads the description
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200 and response.json()["info"]["title"] == "Attendance portal API"
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page and "cdn" not in page.lower() and "https://" not in page
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset

"""OpenAPI: the token scheme, and the error responses every operation can give.

The errors are added here from what each operation does (a body, a path
parameter, an upload) so that the schema cannot forget one; schemathesis
checks the live server against it.
"""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: e.g. invalid, not_found, duplicate_employee_id.")
    message = serializers.CharField(help_text="For people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Messages per input field, e.g. {"employee_id": ["..."]}; may be empty.',
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def _error(description, code, message, fields=None):
    example = OpenApiExample(code, value={"error": {"code": code, "message": message, "fields": fields or {}}})
    return OpenApiResponse(ErrorSerializer, description=description, examples=[example])


ERRORS = {
    400: _error("Invalid input", "invalid", "Some values are not valid: name.", {"name": ["This field is required."]}),
    401: _error("No or an invalid token", "not_authenticated", "Authentication credentials were not provided."),
    403: _error("The role does not allow this", "permission_denied", "Only HR managers and admins may do this."),
    404: _error("No such object", "not_found", "No Person matches the given query."),
    409: _error(
        "Duplicate employee ID, or a decision already taken",
        "duplicate_employee_id",
        "Employee ID 'E-1815' belongs to another person.",
        {"employee_id": ["Another person has this employee ID."]},
    ),
    413: _error("The upload is too large", "too_large", "The file is 12.0 MB; the limit is 10.0 MB."),
    # answered by the web server before the portal sees the request, so in its own words (HTML), not ours
    414: OpenApiResponse(description="The address is too long: gunicorn refuses a request line over 4094 bytes"),
    415: _error("Not an image, or not a supported body", "not_image", "This file is not an image we can read."),
    422: _error("A video too long", "too_long", "The video lasts 900 seconds; the limit is 600 seconds."),
    429: _error("Too many requests; see Retry-After", "throttled", "Request was throttled."),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(str(code), self._get_response_for_code(ERRORS[code], str(code), direction=direction))
        return responses

    def _error_codes(self):
        codes = {401, 403, 414, 429}
        has_body = self.method in ("POST", "PUT", "PATCH")
        if has_body or self.method == "GET":
            codes.add(400)  # a bad body, or a bad filter or ?wait=
        if "{" in self.path or self._is_list_view():
            codes.add(404)  # no such object, or no such page
        if has_body:
            codes |= {413, 415}
        return codes | set(getattr(self.view, "error_statuses", ()))


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token made by an admin: `Authorization: Bearer pat_…`.",
        }

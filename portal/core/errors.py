"""The one shape of every API error body, for the API and for middleware that answers before it."""


def error_body(code, message, fields=None):
    """{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}}"""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}

"""A Django test client that speaks JSON to /api/v1 with one bearer token."""

import json

from svrazka.accounts.models import ApiToken


class Caller:
    def __init__(self, client, secret: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {secret}"}

    @classmethod
    def of(cls, client, workspace, user) -> "Caller":
        _token, secret = ApiToken.issue(workspace=workspace, user=user)
        return cls(client, secret)

    def get(self, path: str, params=None, headers=None):
        return self.client.get(
            f"/api/v1{path}", params or {}, headers={**self.headers, **(headers or {})}
        )

    def _send(self, method: str, path: str, body):
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=json.dumps({} if body is None else body),
            content_type="application/json",
            headers=self.headers,
        )

    def post(self, path, body=None):
        return self._send("post", path, body)

    def patch(self, path, body=None):
        return self._send("patch", path, body)

    def put(self, path, body=None):
        return self._send("put", path, body)

    def delete(self, path):
        return self.client.delete(f"/api/v1{path}", headers=self.headers)

from ninja import NinjaAPI

api = NinjaAPI(title="Svrazka API", version="1", urls_namespace="api")

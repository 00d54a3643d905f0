from django.urls import path

from svrazka.network.views import map as views
from svrazka.network.views import projects, recommendations, sources

urlpatterns = [
    path("network/", views.network_map, name="network_map"),
    path("network/graph.json", views.graph_json, name="network_graph"),
    path("network/paths.json", views.paths_json, name="network_paths"),
    path("network/export", views.export, name="network_export"),
    path("network/trends/", views.trends, name="network_trends"),
    path("network/snapshots/new", views.snapshot_new, name="network_snapshot_new"),
    path("network/sources/", sources.partner_sources, name="network_sources"),
    path("network/projects/<int:pk>/", projects.project_detail, name="project_detail"),
    path(
        "network/recommendations/",
        recommendations.recommendations,
        name="network_recommendations",
    ),
]

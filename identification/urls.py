"""Pages of identification (namespace "identification")."""

app_name = "identification"

urlpatterns: list = []

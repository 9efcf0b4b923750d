from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from jixiao.indicators.api.views import IndicatorFrameworkViewSet, IndicatorLibraryItemViewSet
from jixiao.organizations.api.views import BudgetUnitViewSet, DepartmentViewSet, FiscalRegionViewSet
from jixiao.projects.api.views import ProjectViewSet
from jixiao.targets.api.views import TargetViewSet

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("regions", FiscalRegionViewSet, basename="region")
router.register("departments", DepartmentViewSet, basename="department")
router.register("units", BudgetUnitViewSet, basename="unit")
router.register("indicators", IndicatorLibraryItemViewSet, basename="indicator")
router.register("indicator-frameworks", IndicatorFrameworkViewSet, basename="indicator-framework")
router.register("targets", TargetViewSet, basename="target")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from jixiao.appraisals.api.views import AppraisalRankingView
from jixiao.evaluation.api.views import SelfEvaluationCheckView, SelfEvaluationViewSet
from jixiao.execution.api.views import PaymentViewSet
from jixiao.indicators.api.views import IndicatorFrameworkViewSet, IndicatorLibraryItemViewSet
from jixiao.organizations.api.views import BudgetUnitViewSet, DepartmentViewSet, FiscalRegionViewSet
from jixiao.preassessment.api.views import PreAssessmentViewSet
from jixiao.projects.api.views import ProjectViewSet
from jixiao.results.api.views import ResultApplicationViewSet
from jixiao.targets.api.views import TargetViewSet
from jixiao.training.api.views import TrainingTotalsView

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("regions", FiscalRegionViewSet, basename="region")
router.register("departments", DepartmentViewSet, basename="department")
router.register("units", BudgetUnitViewSet, basename="unit")
router.register("indicators", IndicatorLibraryItemViewSet, basename="indicator")
router.register("indicator-frameworks", IndicatorFrameworkViewSet, basename="indicator-framework")
router.register("targets", TargetViewSet, basename="target")
router.register("payments", PaymentViewSet, basename="payment")
router.register("preassessments", PreAssessmentViewSet, basename="preassessment")
router.register("selfevaluations", SelfEvaluationViewSet, basename="selfevaluation")
router.register("result-applications", ResultApplicationViewSet, basename="result-application")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("selfevaluation-check/", SelfEvaluationCheckView.as_view(), name="selfevaluation-check"),
    path("appraisals/ranking/", AppraisalRankingView.as_view(), name="appraisal-ranking"),
    path("training/totals/", TrainingTotalsView.as_view(), name="training-totals"),
    path("", include(router.urls)),
]

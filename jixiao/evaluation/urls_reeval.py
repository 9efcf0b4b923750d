from django.urls import path

from jixiao.evaluation import views_reeval as v
from jixiao.evaluation import views_upper as u

urlpatterns = [
    path("reeval/", v.reeval_list, name="reeval_list"),
    path("reeval/samples/", v.reeval_samples, name="reeval_samples"),
    path("reeval/samples/<int:pk>/", v.sample_detail, name="reeval_sample"),
    path("reeval/samples/<int:pk>/result/", v.sample_result_download, name="reeval_sample_result"),
    path(
        "reeval/samples/<int:pk>/evidence/<int:evidence_pk>/",
        v.sample_evidence_download,
        name="reeval_sample_evidence",
    ),
    path("reeval/<int:pk>/", v.reeval_detail, name="reeval_detail"),
    path("reeval/<int:pk>/draw/", v.reeval_draw, name="reeval_draw"),
    path("reeval/<int:pk>/delete/", v.reeval_delete, name="reeval_delete"),
    path("reeval/<int:pk>/verify/", v.reeval_verify, name="reeval_verify"),
    path("reeval/<int:pk>/assign/", v.reeval_assign, name="reeval_assign"),
    path("reeval/<int:pk>/finish/", v.reeval_finish, name="reeval_finish"),
    path("reeval/<int:pk>/export/", v.reeval_export, name="reeval_export"),
    path("reeval/<int:pk>/circular/", v.reeval_circular, name="reeval_circular"),
    path("authenticity/", v.authenticity_list, name="authenticity_list"),
    path("authenticity/<int:pk>/", v.authenticity_detail, name="authenticity_detail"),
    path("authenticity/<int:pk>/forward/", u.upper_forward, name="upper_forward"),
    path("authenticity/<int:pk>/package/", u.upper_package, name="upper_package_download"),
    path("upper/", u.upper_list, name="upper_list"),
    path("upper/<int:pk>/", u.upper_detail, name="upper_detail"),
    path("upper/<int:pk>/transition/", u.upper_transition, name="upper_transition"),
    path("upper/<int:pk>/evidence/", u.evidence_add, name="upper_evidence_add"),
    path("upper/<int:pk>/evidence/<int:evidence_pk>/", u.evidence_download, name="upper_evidence_download"),
    path("upper/<int:pk>/evidence/<int:evidence_pk>/delete/", u.evidence_delete, name="upper_evidence_delete"),
]

from jixiao.targets.urls_cases import urlpatterns as case_urlpatterns
from jixiao.targets.urls_dept import urlpatterns as dept_urlpatterns
from jixiao.targets.urls_exchange import urlpatterns as exchange_urlpatterns
from jixiao.targets.urls_pages import urlpatterns as page_urlpatterns
from jixiao.targets.urls_panel import urlpatterns as panel_urlpatterns
from jixiao.targets.urls_rules import urlpatterns as rule_urlpatterns

app_name = "targets"

# Pages, data exchange (Excel, PDF), expert panels and department-overall targets are built apart.
urlpatterns = [
    *case_urlpatterns,
    *dept_urlpatterns,
    *panel_urlpatterns,
    *rule_urlpatterns,
    *page_urlpatterns,
    *exchange_urlpatterns,
]

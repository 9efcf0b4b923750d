from jixiao.targets.urls_exchange import urlpatterns as exchange_urlpatterns
from jixiao.targets.urls_pages import urlpatterns as page_urlpatterns

app_name = "targets"

# Pages (list, detail, edit, review, approval, adjustment) and data exchange (Excel, PDF) are built apart.
urlpatterns = [*page_urlpatterns, *exchange_urlpatterns]

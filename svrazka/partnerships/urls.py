from svrazka.partnerships.views import agreements, evaluations, partnerships

# Under /w/<slug>/partnerships/.
urlpatterns = partnerships.urlpatterns + agreements.urlpatterns + evaluations.urlpatterns

from django.urls import path

from carddav import views

app_name = "carddav"

urlpatterns = [
    path("", views.root, name="root"),
    path("principal/", views.principal, name="principal"),
    path("addressbooks/", views.home, name="home"),
    path("addressbooks/linkedin/", views.collection, name="collection"),
    path("addressbooks/linkedin/<str:name>", views.card, name="card"),
    path("<path:rest>", views.elsewhere, name="elsewhere"),
]

from django.urls import path

from portal.people import views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("new/", views.person_create, name="create"),
    path("pick/", views.person_pick, name="pick"),
    path("bulk/", views.bulk, name="bulk"),
    path("<int:pk>/", views.person, name="person"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/active/", views.person_active, name="active"),
    path("<int:pk>/delete/", views.person_delete, name="delete"),
    path("<int:pk>/photos/", views.photos_upload, name="photos-upload"),
    path("<int:pk>/photos/status/", views.photos_status, name="photos-status"),
    path("photos/<int:pk>/delete/", views.photo_delete, name="photo-delete"),
    path("photos/<int:pk>/decide/", views.photo_decide, name="photo-decide"),
    path("photos/<int:pk>/merge/", views.photo_merge, name="photo-merge"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge-undo"),
    path("import/", views.import_start, name="import-start"),
    path("import/<int:pk>/", views.import_job, name="import"),
    path("import/<int:pk>/status/", views.import_status, name="import-status"),
]

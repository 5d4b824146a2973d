from django.urls import path

from portal.review import views

urlpatterns = [
    path("review/", views.review_list, name="review"),
    path("review/<int:pk>/", views.review_entry, name="review-entry"),
    path("review/<int:pk>/assign/", views.review_assign_view, name="review-assign"),
    path("review/<int:pk>/new-person/", views.review_new_person_view, name="review-new-person"),
    path("review/<int:pk>/visitor/", views.review_visitor_view, name="review-visitor"),
    path("review/<int:pk>/dismiss/", views.review_dismiss_view, name="review-dismiss"),
    path("media/review/<int:pk>", views.media_review, name="media-review"),
]

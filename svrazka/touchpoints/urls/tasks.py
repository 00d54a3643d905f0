"""Follow-up tasks, under /w/<slug>/. `<int:pk>` is a Task of the workspace."""

from django.urls import path

from svrazka.touchpoints.views import tasks

urlpatterns = [
    path("tasks/", tasks.my_tasks, name="my_tasks"),
    path("tasks/new/", tasks.task_new, name="task_new"),
    path("tasks/<int:pk>/edit/", tasks.task_edit, name="task_edit"),
    path("tasks/<int:pk>/done/", tasks.task_done, name="task_done"),
    path("tasks/<int:pk>/reopen/", tasks.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/delete/", tasks.task_delete, name="task_delete"),
]

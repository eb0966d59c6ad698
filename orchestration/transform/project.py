"""The dbt project, as dagster-dbt knows it.

Its manifest is made ahead of runs by dagster-dbt's own preparation: `make run`, `make dev`
and `make test` call `dagster-dbt project prepare-and-package --file` on this file whenever a
dbt file changed, and `dagster dev` prepares it again on load (`prepare_if_dev`). Importing
the definitions never runs dbt otherwise.
"""

from dagster_dbt import DbtProject

from orchestration import settings

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR
)
dbt_project.prepare_if_dev()

"""Great Expectations validation of landed dumps before the dbt marts build."""

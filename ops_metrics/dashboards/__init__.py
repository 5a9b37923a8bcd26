"""Static dashboards (Engineering Health, AI Adoption, MTTR) rendered from the dbt marts."""

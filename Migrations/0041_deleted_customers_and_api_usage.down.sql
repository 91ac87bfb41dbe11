DROP TABLE api_usage_daily;
DROP TABLE deleted_customers;

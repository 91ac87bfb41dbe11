DROP TABLE rate_limits;
DROP TABLE operator_recovery_codes;
DROP TABLE operator_tokens;
DROP TABLE operator_sessions;
DROP TABLE staff_recovery_codes;
DROP TABLE account_tokens;
DROP TABLE sessions;

# unit tests for policy/ configuration, tables and outbound decisions.

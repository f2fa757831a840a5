# unit tests for the verification engine and inbound policy/headers.

//! Test helpers live in the integration tests under tests/tests.

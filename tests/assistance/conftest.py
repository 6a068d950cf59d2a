from tests.households.conftest import saved_household  # noqa: F401 -- the shared fixture

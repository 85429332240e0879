pytest_plugins = ["tests.fixtures.identity"]

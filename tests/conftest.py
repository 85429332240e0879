pytest_plugins = [
    "tests.fixtures.identity",
    "tests.fixtures.databases",
    "tests.fixtures.stack",
    "tests.fixtures.s3",
]

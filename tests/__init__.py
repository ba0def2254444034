"""The test suite. Each folder holds the tests of the runner/ folder of the same name (an end-to-end scenario
lives with the module it mainly exercises); the project's claims about itself and the wheel stay here."""
